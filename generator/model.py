"""The partner profile that members edit, as pydantic models (no MkDocs, no Flask)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    HttpUrl,
    PrivateAttr,
    StrictBool,
    StringConstraints,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    field_validator,
    model_validator,
)

from generator.emails import plain_email
from generator.vocabulary import COUNTRIES, LANGUAGES, is_postal_code

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, min_length=2, max_length=64)]
Login = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$"),
    Field(description="An account name on the code hosting service, e.g. `mmueller`."),
]


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def _text(value: object) -> object:
    if isinstance(value, str) and _CONTROL.search(value):
        raise ValueError("contains a control character")
    return value


def _single_line(value: object) -> object:
    if not isinstance(value, str):
        return value
    _text(value)
    if "\n" in value.strip() or "\t" in value:
        raise ValueError("must be a single line")
    return value.strip()


# Constraints come before the validator so that length errors speak of characters.
Line = Annotated[
    str, StringConstraints(min_length=1, max_length=100), BeforeValidator(_single_line)
]
ShortLine = Annotated[
    str, StringConstraints(min_length=1, max_length=80), BeforeValidator(_single_line)
]
Tagline = Annotated[
    str, StringConstraints(min_length=1, max_length=120), BeforeValidator(_single_line)
]
LongLine = Annotated[
    str, StringConstraints(min_length=1, max_length=300), BeforeValidator(_single_line)
]


def _http_url(value: HttpUrl) -> str:
    return str(value)


Url = Annotated[HttpUrl, AfterValidator(_http_url)]

def _plain_email(value: object, handler: ValidatorFunctionWrapHandler) -> object:
    """Take an everyday address on the short path; every other one through EmailStr."""
    plain = plain_email(value) if isinstance(value, str) else None
    return plain if plain is not None else handler(value)


Email = Annotated[EmailStr, WrapValidator(_plain_email)]
Phone = Annotated[
    str,
    StringConstraints(pattern=r"^\+?[0-9][0-9 ()/-]{4,24}$"),
    Field(description='International format, e.g. `"+49 89 1234567"`.'),
]


def _known_service(value: str, info: ValidationInfo) -> str:
    known: Any = (info.context or {}).get("services")
    if known is not None and value not in known:
        raise ValueError(f"unknown service {value!r}; known: {', '.join(sorted(known))}")
    return value


ServiceId = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=64)]
KnownServiceId = Annotated[ServiceId, AfterValidator(_known_service)]

Capacity = Literal["available", "limited", "full"]
AbsenceReason = Literal["vacation", "illness", "parental-leave", "training", "other"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Location(_Strict):
    """Where the business is."""

    postal_code: str = Field(description='Postal code as text, in quotes: `"80331"`.')
    city: ShortLine
    country: str = Field(
        "DE",
        description="ISO 3166 country code: " + ", ".join(COUNTRIES)
        + ". Your postal prefixes are taken to be in this country.",
    )

    @model_validator(mode="after")
    def _check_postal_code(self) -> Location:
        if self.country not in COUNTRIES:
            raise ValueError(
                f"country: unknown country {self.country!r}; known: {', '.join(COUNTRIES)}"
            )
        if not is_postal_code(self.country, self.postal_code):
            raise ValueError(
                f"postal_code: {self.postal_code!r} is not a postal code of {self.country}"
            )
        return self


class ServiceArea(_Strict):
    """Where clients can be served: postal code prefixes and/or remote work."""

    postal_prefixes: list[Annotated[str, StringConstraints(pattern=r"^\d{1,5}$")]] = Field(
        default_factory=list,
        description='Leading digits of the postal codes served in your country (location.country), '
        'in quotes: `["80", "81"]`.',
        max_length=200,
    )
    remote: StrictBool = Field(False, description="Work can be done remotely for any client.")

    @model_validator(mode="after")
    def _serves_someone(self) -> ServiceArea:
        if not self.postal_prefixes and not self.remote:
            raise ValueError("give at least one postal prefix or set remote: true")
        return self


class Contact(_Strict):
    """How clients reach the business; shown on the public page."""

    email: Email
    phone: Phone | None = None
    website: Url | None = None


class Referrals(_Strict):
    """Whether and how this member takes referred clients."""

    accepts: StrictBool = Field(True, description="Takes referred clients at all.")
    capacity: Capacity = Field(
        "available", description="available, limited (a few more clients) or full."
    )
    email: Email | None = Field(
        None, description="Where routed requests go; default: contact.email."
    )


class Absence(_Strict):
    """A period in which the member takes no work, with a colleague who stands in."""

    from_: dt.date = Field(alias="from", description="First day away, YYYY-MM-DD.")
    to: dt.date = Field(description="Last day away, YYYY-MM-DD.")
    reason: AbsenceReason = "vacation"
    deputy: Slug | None = Field(None, description="Slug of the member who stands in.")
    note: LongLine | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Absence:
        if self.to < self.from_:
            raise ValueError(f"to: {self.to} is before from: {self.from_}")
        return self

    def covers(self, day: dt.date) -> bool:
        """Return whether the member is away on ``day``."""
        return self.from_ <= day <= self.to

    def overlaps(self, start: dt.date, end: dt.date) -> bool:
        """Return whether the absence overlaps the period from ``start`` to ``end``."""
        return self.from_ <= end and start <= self.to


class Partner(_Strict):
    """One member's profile, from ``partners/<slug>.yaml``."""

    name: Line = Field(description="Business name as clients know it.")
    maintainers: list[Login] = Field(
        min_length=1, max_length=10, description="Accounts allowed to change this file."
    )
    tagline: Tagline | None = Field(None, description="One line under the name.")
    description: (
        Annotated[str, StringConstraints(max_length=5000), BeforeValidator(_text)] | None
    ) = Field(None, description="Markdown without raw HTML.")
    benefits: list[LongLine] = Field(
        default_factory=list,
        max_length=10,
        description="What a client gains, in the client's words.",
    )
    services: list[KnownServiceId] = Field(
        min_length=1, max_length=20, description="Ids from the network's service catalogue."
    )
    languages: list[str] = Field(
        default_factory=lambda: ["de"], min_length=1, description="ISO 639-1 codes, e.g. de, en."
    )
    location: Location = Field(description="Where the business is.")
    service_area: ServiceArea = Field(description="Postal code prefixes served, remote work.")
    contact: Contact = Field(description="Public contact details.")
    referrals: Referrals = Field(
        default_factory=Referrals, description="Whether and how you take referred clients."
    )
    absences: list[Absence] = Field(
        default_factory=list,
        max_length=50,
        description="Times you are away, with the colleague who stands in.",
    )

    _slug: str = PrivateAttr("")
    _source: str = PrivateAttr("")

    @property
    def slug(self) -> str:
        """The file name without ``.yaml``: the page address and the id in the ledger."""
        return self._slug

    @property
    def source(self) -> str:
        """The profile's path relative to the network folder."""
        return self._source

    @property
    def referral_email(self) -> str:
        """Where routed requests go."""
        return self.referrals.email or self.contact.email

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, value: list[str]) -> list[str]:
        unknown = [code for code in value if code not in LANGUAGES]
        if unknown:
            raise ValueError(f"unknown language code {unknown[0]!r}; use ISO 639-1 such as de, en")
        return value

    def absence_on(self, day: dt.date) -> Absence | None:
        """Return the absence covering ``day``, if any."""
        return next((a for a in self.absences if a.covers(day)), None)

    def next_absence(self, day: dt.date) -> Absence | None:
        """Return the current or next absence as seen on ``day``."""
        upcoming = [a for a in self.absences if a.to >= day]
        return min(upcoming, key=lambda a: a.from_, default=None)

    def absent_during(self, start: dt.date, end: dt.date) -> bool:
        """Return whether any absence overlaps ``start``..``end``."""
        return any(a.overlaps(start, end) for a in self.absences)


class Service(_Strict):
    """One entry of the network's service catalogue."""

    id: ServiceId
    de: ShortLine = Field(description="German label.")
    en: ShortLine = Field(description="English label.")
    description: LongLine | None = Field(None, description="German, one sentence.")


class Coordinator(_Strict):
    """Who runs the network and receives requests nobody could take."""

    name: Line
    email: EmailStr


class Repository(_Strict):
    """Where the profiles are kept, for 'edit this profile' links."""

    edit_url: Url = Field(
        description="Prefix of a file's edit address, e.g. https://git.example/net/edit/main/"
    )


class NetworkSettings(_Strict):
    """Network-wide settings and the service catalogue, from ``network.yaml``."""

    name: Line
    tagline: LongLine | None = None
    coordinator: Coordinator
    admins: list[Login] = Field(min_length=1, description="Accounts that may change anything.")
    site_url: Url | None = Field(None, description="Public address of the directory site.")
    form_service_url: Url | None = Field(
        None, description="Public address of the request service the site's form posts to."
    )
    repository: Repository | None = None
    services: list[Service] = Field(min_length=1)

    @field_validator("services")
    @classmethod
    def _unique_ids(cls, value: list[Service]) -> list[Service]:
        seen: set[str] = set()
        for service in value:
            if service.id in seen:
                raise ValueError(f"service id {service.id!r} is listed twice")
            seen.add(service.id)
        return value

    def service(self, sid: str) -> Service | None:
        """Return the catalogue entry for ``sid``."""
        return next((s for s in self.services if s.id == sid), None)

    @property
    def service_ids(self) -> frozenset[str]:
        """All service ids of the catalogue."""
        return frozenset(s.id for s in self.services)
