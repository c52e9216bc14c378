"""Web commands."""

import click


@click.command("serve")
@click.option("--host", help="Address to listen on (default: [web] host).")
@click.option("--port", type=int, help="Port to listen on (default: [web] port).")
@click.pass_obj
def serve_command(config, host, port):
    """Serve the web app (for production, run gunicorn 'web:create_app()')."""
    from web import create_app

    app = create_app(config=config)
    host, port = host or config.web.host, port or config.web.port
    click.echo(f"Relief Map at http://{host}:{port}/")
    app.run(host=host, port=port, threaded=True)
