"""The public forms: report a problem with a clinic, suggest a clinic or resource. Both carry a
CSRF token and a honeypot field people never see (the rate limit is in web/rate_limit.py)."""

import re

from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, Email, Length, Optional

PROBLEMS = [
    SelectChoice("", "Choose one…"),
    SelectChoice("closed", "It has closed or moved"),
    SelectChoice("phone", "The phone number is wrong"),
    SelectChoice("address", "The address is wrong"),
    SelectChoice("treatments", "The treatments or conditions are wrong"),
    SelectChoice("website", "The website is wrong"),
    SelectChoice("other", "Something else"),
]
EMAIL = Email(message="That email address looks incomplete.", check_deliverability=False)
SUGGESTION_KINDS = [SelectChoice("clinic", "A clinic"),
                    SelectChoice("resource", "A resource (article, group, video...)")]


class HoneypotForm(FlaskForm):
    # Hidden from people (CSS and aria-hidden); form-filling bots fill it in.
    homepage = StringField("Leave this field empty", validators=[Optional()])

    def filled_by_a_bot(self) -> bool:
        return bool((self.homepage.data or "").strip())


def https_by_default(value: str | None) -> str | None:
    """A web address as people type it ("www.example.org") made whole: https:// in front."""
    value = (value or "").strip()
    if value and not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", value):
        return f"https://{value}"
    return value or None


class ReportForm(HoneypotForm):
    problem = SelectField("What is wrong?", choices=PROBLEMS,
                          validators=[DataRequired("Please choose what is wrong.")])
    details = TextAreaField("Details", validators=[
        DataRequired("Please say what is wrong, in a few words."), Length(max=4000)])
    contact = EmailField("Your email (optional, only if you would like a reply)",
                         validators=[Optional(), EMAIL,
                                     Length(max=300)])


class SuggestForm(HoneypotForm):
    kind = SelectField("What are you suggesting?", choices=SUGGESTION_KINDS,
                       validators=[DataRequired()])
    name = StringField("Name or title", validators=[
        DataRequired("Please give the name of the clinic or the title of the resource."),
        Length(max=300)])
    # A text box, not type=url: browsers refuse "www.example.org" there, which we accept.
    url = StringField("Web address (optional)", filters=[https_by_default],
                      render_kw={"inputmode": "url", "autocomplete": "url"}, validators=[
        Optional(), URL(message="Please give a web address such as https://clinic.example"),
        Length(max=1000)])
    place = StringField("Town or city (for a clinic, optional)",
                        validators=[Optional(), Length(max=200)])
    details = TextAreaField("Anything else we should know (optional)",
                            validators=[Optional(), Length(max=4000)])
    contact = EmailField("Your email (optional, only if you would like a reply)",
                         validators=[Optional(), EMAIL,
                                     Length(max=300)])

    def validate_url(self, field):
        if field.data and not field.data.lower().startswith(("http://", "https://")):
            raise ValidationError("Please give a full web address starting with https://")
