"""Forms of the editor workspace and the admin pages (Flask-WTF: every one carries a CSRF token)."""

import json
import re
from datetime import date

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FloatField,
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from crawler.normalise import normalise_email, normalise_phone, normalise_url
from models import CLINIC_STATUSES, RESOURCE_KINDS, ROLES, password_problem


def _choices(values) -> list[SelectChoice]:
    return [SelectChoice(value, value) for value in values]


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=100)],
                           render_kw={"autocomplete": "username"})
    password = PasswordField("Password", validators=[DataRequired()],
                             render_kw={"autocomplete": "current-password"})
    next = HiddenField()
    submit = SubmitField("Log in")


class ActionForm(FlaskForm):
    """A button that only needs its CSRF token (log out, run now, approve, lock)."""

    note = StringField("Note (optional)", validators=[Optional(), Length(max=2000)])


class RejectForm(FlaskForm):
    reason = TextAreaField("Reason", validators=[DataRequired("Give a reason for the rejection."),
                                                 Length(max=2000)])


class BulkConfirmForm(FlaskForm):
    action = HiddenField(validators=[DataRequired()])
    reason = TextAreaField("Reason (needed to reject)", validators=[Optional(), Length(max=2000)])


class MultiCheckboxField(SelectMultipleField):
    """Checkboxes instead of a multiple select: easier on touch screens and screen readers."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _phone(form, field):
    if field.data and normalise_phone(field.data, form.country_code()) is None:
        raise ValidationError("Enter a phone number with its area code, like +1 518 555 0100.")


def _email(_form, field):
    if field.data and normalise_email(field.data) is None:
        raise ValidationError("Enter an email address like name@example.org.")


def _web_address(_form, field):
    if field.data and normalise_url(field.data) is None:
        raise ValidationError("Enter a web address starting with http:// or https://.")


def _region(_form, field):
    if field.data and not re.fullmatch(r"[A-Z]{2}-[A-Z0-9]{1,3}", field.data.strip().upper()):
        raise ValidationError("Enter an ISO 3166-2 code such as US-NY or CA-BC.")


def _country(_form, field):
    if field.data and not re.fullmatch(r"[A-Za-z]{2}", field.data.strip()):
        raise ValidationError("Enter a two-letter country code such as US or GB.")


def _text(label, required=False, max_length=300, area=False, validators=()):
    first = DataRequired(f"{label} is required.") if required else Optional()
    kind = TextAreaField if area else StringField
    return kind(label, validators=[first, Length(max=max_length), *validators])


def _clinic_fields(terms):
    return {
        "name": _text("Name", required=True),
        "description": _text("Description", max_length=20000, area=True),
        "website": _text("Website", max_length=500, validators=[_web_address]),
        "email": _text("Email", validators=[_email]),
        "phone": _text("Phone", max_length=40, validators=[_phone]),
        "status": SelectField("Status", choices=_choices(CLINIC_STATUSES)),
        "street": _text("Street"),
        "locality": _text("Town or city", max_length=200),
        "region": _text("Region (ISO 3166-2)", max_length=10, validators=[_region]),
        "postal_code": _text("Postal code", max_length=20),
        "country": _text("Country (ISO 3166-1)", max_length=2, validators=[_country]),
        "latitude": FloatField("Latitude", validators=[Optional(), NumberRange(-90, 90)]),
        "longitude": FloatField("Longitude", validators=[Optional(), NumberRange(-180, 180)]),
        **_term_fields(terms),
    }


def _resource_fields(terms):
    return {
        "title": _text("Title", required=True, max_length=500),
        "url": _text("Web address", required=True, max_length=1000, validators=[_web_address]),
        "kind": SelectField("Kind", choices=_choices(RESOURCE_KINDS)),
        "summary": _text("Summary", max_length=20000, area=True),
        "author": _text("Author"),
        "published": DateField("Published (YYYY-MM-DD)", validators=[Optional()]),
        **_term_fields(terms),
    }


def _term_fields(terms):
    def choices(kind):
        return [SelectChoice(term.slug, term.label) for term in terms if term.kind == kind]

    return {"treatments": MultiCheckboxField("Treatments", choices=choices("treatment")),
            "conditions": MultiCheckboxField("Conditions", choices=choices("condition"))}


class EntryForm(FlaskForm):
    """The fields of a clinic or resource; build one with `entry_form`. `seen` carries the
    values the editor was shown, so a save applies only what they changed."""

    field_names: tuple[str, ...] = ()
    seen = HiddenField()

    def seen_values(self) -> dict | None:
        """The values the form was filled with, or None when it did not say (or said nonsense)."""
        try:
            values = json.loads(self.seen.data or "")
        except ValueError:
            return None
        return values if isinstance(values, dict) else None

    def show(self, values: dict) -> None:
        """Record `values` as what the editor has now seen."""
        self.seen.data = json.dumps(values, sort_keys=True, default=str)

    def country_code(self) -> str:
        country = getattr(self, "country", None)
        return (country.data or "US").strip().upper() if country is not None else "US"

    def values(self) -> dict:
        """The submitted values as entry fields, normalised as the crawler would store them."""
        values = {}
        for name in self.field_names:
            value = self[name].data
            if isinstance(value, str):
                value = value.strip() or None
            values[name] = value
        if values.get("phone"):
            values["phone"] = normalise_phone(values["phone"], self.country_code())
        if values.get("email"):
            values["email"] = normalise_email(values["email"])
        for name in ("region", "country"):
            if values.get(name):
                values[name] = values[name].upper()
        if values.get("published"):
            values["published"] = values["published"].isoformat()
        for name in ("treatments", "conditions"):
            values[name] = sorted(values.get(name) or [])
        return values


def entry_form(entry_type: str, terms, data: dict | None = None) -> EntryForm:
    """An edit form for a clinic or resource, filled with `data` unless the request posted one."""
    fields = _clinic_fields(terms) if entry_type == "clinic" else _resource_fields(terms)
    form_class = type(f"{entry_type.title()}Form", (EntryForm,),
                      {**fields, "field_names": tuple(fields)})
    seen = data
    if data and isinstance(data.get("published"), str):
        data = {**data, "published": date.fromisoformat(data["published"])}
    form = form_class(data=data)
    if seen is not None and not form.is_submitted():
        form.show(seen)
    return form


class UserAddForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=100)])
    role = SelectField("Role", choices=_choices(ROLES))
    password = PasswordField("Password", validators=[DataRequired()],
                             render_kw={"autocomplete": "new-password"})

    def validate_username(self, field):
        if not re.fullmatch(r"[A-Za-z0-9_.@-]+", field.data or ""):
            raise ValidationError("Use letters, digits and . _ @ - only.")

    def validate_password(self, field):
        problem = password_problem(field.data or "", self.username.data or "")
        if problem:
            raise ValidationError(f"{problem[0].upper()}{problem[1:]}.")


class PasswordResetForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired()],
                             render_kw={"autocomplete": "new-password"})


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=_choices(ROLES))
