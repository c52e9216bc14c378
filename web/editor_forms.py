"""Forms of the editor workspace and the admin pages (Flask-WTF: every one carries a CSRF token)."""

import json
import re
from datetime import date

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    HiddenField,
    PasswordField,
    RadioField,
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

from models import CLINIC_STATUSES, RESOURCE_KINDS, ROLES, password_problem
from models.details import FLAGS
from reliefmap.normalise import normalise_email, normalise_phone, normalise_url
from web.details_text import (
    PAYMENT_LABELS,
    NotationError,
    format_hours,
    format_languages,
    format_prices,
    parse_hours,
    parse_languages,
    parse_prices,
)

FLAG_CHOICES = [SelectChoice("yes", "Yes"), SelectChoice("no", "No"),
                SelectChoice("unstated", "Not stated")]
FLAG_CHOICE = {True: "yes", False: "no", None: "unstated"}
FLAG_VALUE = {choice: value for value, choice in FLAG_CHOICE.items()}


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


class GuideForm(FlaskForm):
    """A guide's plain-language description, and whether it is locked."""

    description = TextAreaField("Description", validators=[Optional(), Length(max=2000)],
                                render_kw={"rows": 6})
    locked = BooleanField("Locked: keep this text until an editor unlocks it")
    submit = SubmitField("Save")


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


def _notation(parse):
    """A validator that checks the field's text follows the details notation."""
    def check(form, field):
        try:
            parse(field.data, form)
        except NotationError as exc:
            raise ValidationError(str(exc)) from None

    return check


PARSERS = {"hours": lambda text, _form: parse_hours(text),
           "prices": lambda text, form: parse_prices(text, form.treatment_slugs),
           "languages": lambda text, _form: parse_languages(text)}
FORMATTERS = {"hours": format_hours, "prices": format_prices, "languages": format_languages}


def _flag(label):
    return RadioField(label, choices=FLAG_CHOICES, default="unstated")


def _detail_fields():
    return {
        "hours": _text("Opening hours, one line per group of days (Mo-Fr 09:00-17:00)",
                       max_length=2000, area=True, validators=[_notation(PARSERS["hours"])]),
        "prices": _text("Prices, one per line (450 USD per infusion ketamine-iv-infusion)",
                        max_length=2000, area=True, validators=[_notation(PARSERS["prices"])]),
        "payment": MultiCheckboxField("Payment", choices=[
            SelectChoice(code, label) for code, label in PAYMENT_LABELS.items()]),
        "telehealth": _flag("Telehealth"),
        "accepting_new_patients": _flag("Accepting new patients"),
        "referral_required": _flag("Referral required"),
        "languages": _text("Languages (codes such as es, or in words: Spanish, French)",
                           max_length=500, validators=[_notation(PARSERS["languages"])]),
    }


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
        **_detail_fields(),
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


# An entry's form falls into these sections; the fields none of them names come last.
SECTIONS = {
    "clinic": (("Name and contact", ("name", "description", "website", "email", "phone",
                                     "status")),
               ("Address", ("street", "locality", "region", "postal_code", "country",
                            "latitude", "longitude")),
               ("Hours, costs and access", ("hours", "prices", "payment", "telehealth",
                                            "accepting_new_patients", "referral_required",
                                            "languages")),
               ("Treatments and conditions", ("treatments", "conditions"))),
    "resource": (("The resource", ("title", "url", "kind", "summary", "author", "published")),
                 ("Treatments and conditions", ("treatments", "conditions"))),
}
OTHER_SECTION = "Other details"


class EntryForm(FlaskForm):
    """The fields of a clinic or resource; build one with `entry_form`. `seen` carries the
    values the editor was shown, so a save applies only what they changed."""

    field_names: tuple[str, ...] = ()
    treatment_slugs: frozenset[str] = frozenset()
    seen = HiddenField()

    def sections(self) -> list[tuple[str, list]]:
        """(title, fields) of each section of the form that has fields."""
        sections = SECTIONS[self.entry_type]
        named = {name for _, names in sections for name in names}
        grouped = [(title, [self[name] for name in names if name in self.field_names])
                   for title, names in sections]
        grouped.append((OTHER_SECTION, [self[name] for name in self.field_names
                                        if name not in named]))
        return [(title, fields) for title, fields in grouped if fields]

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
        for name in ("treatments", "conditions", "payment"):
            if name in values:
                values[name] = sorted(values[name] or [])
        for name, parse in PARSERS.items():
            if name in values:
                values[name] = parse(values[name], self)
        for name in FLAGS:
            if name in values:
                values[name] = FLAG_VALUE.get(values[name])
        return values


def _as_form_data(data: dict) -> dict:
    """Entry values as the form shows them: details as text, flags as yes / no / not stated."""
    shown = {**data}
    if isinstance(data.get("published"), str):
        shown["published"] = date.fromisoformat(data["published"])
    for name, format_value in FORMATTERS.items():
        if name in data:
            shown[name] = format_value(data[name])
    for name in FLAGS:
        if name in data:
            shown[name] = FLAG_CHOICE.get(data[name], "unstated")
    return shown


def entry_form(entry_type: str, terms, data: dict | None = None) -> EntryForm:
    """An edit form for a clinic or resource, filled with `data` unless the request posted one."""
    fields = _clinic_fields(terms) if entry_type == "clinic" else _resource_fields(terms)
    slugs = frozenset(term.slug for term in terms if term.kind == "treatment")
    form_class = type(f"{entry_type.title()}Form", (EntryForm,),
                      {**fields, "field_names": tuple(fields), "treatment_slugs": slugs,
                       "entry_type": entry_type})
    seen = data
    form = form_class(data=_as_form_data(data) if data else data)
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
