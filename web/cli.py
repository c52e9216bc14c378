"""Web commands."""

import click


@click.command("serve")
@click.option("--host", help="Address to listen on (default: [web] host).")
@click.option("--port", type=int, help="Port to listen on (default: [web] port).")
@click.pass_obj
def serve_command(config, host, port):
    """Serve the web app (for production, run gunicorn 'web:create_app()')."""
    from dataclasses import replace

    from models.cli import open_database
    from web import create_app
    from web.serving import SiteRequestHandler

    open_database(config).dispose()  # a one-line error before serving pages that would fail
    host, port = host or config.web.host, port or config.web.port
    # Without a [web] base_url, the pages' absolute URLs name the address served on.
    app = create_app(config=replace(config, web=replace(config.web, host=host, port=port)))
    click.echo(f"Relief Map at http://{host}:{port}/")
    app.run(host=host, port=port, threaded=True, request_handler=SiteRequestHandler)
