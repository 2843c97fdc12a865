"""Deterministic seed data: every value is a pure function of (seed, type, index, today).

Dates are relative to today (midnight UTC): records were created over the two and a
half years before today, deals close from then until a year after today.
Records are generated lazily (the store asks for record i when it is first
touched), so a portal of any size is "seeded" instantly and materializing runs
well above 50,000 records/s. Associations are generated eagerly by `edges()`.
Does not store anything and does not validate (generated values are valid).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Iterator

from hubspot_fdw.simulator import later_types
from hubspot_fdw.simulator.clock import iso_date, iso_ms
from hubspot_fdw.simulator.objecttypes import ObjectType
from hubspot_fdw.simulator.records import Record

M64 = (1 << 64) - 1
DAY = 86_400_000


def today_ms() -> int:
    """Midnight UTC today, in epoch ms: seeded dates are relative to it, so a portal
    seeded today has deals closing this quarter (and is the same all day long)."""
    return int(time.time() * 1000) // DAY * DAY


SPAN_MS = 2 * 365 * DAY             # seeded records are created over two years
END_MS = today_ms()                 # ... and last modified no later than today's midnight
START_MS = END_MS - SPAN_MS - 180 * DAY

FIRST = ("James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara "
         "Richard Susan Joseph Jessica Thomas Sarah Charles Karen Paul Leto Chani Duncan Irulan "
         "Alia Gurney Stilgar Jamis Harah Ana Luis Sofia Mateo Yuki Hiro Amara Kofi Ingrid Lars").split()
LAST = ("Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
        "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White "
        "Atreides Harkonnen Idaho Halleck Kynes Nakamura Okafor Lindqvist Rossi Novak").split()
WORDS = ("Acme Globex Initech Umbrella Hooli Vandelay Stark Wayne Wonka Tyrell Cyberdyne Soylent "
         "Aperture Black Mesa Oscorp Gringotts Monarch Dunder Mifflin Pied Piper Prestige Sterling "
         "Cooper Massive Dynamic Nakatomi Arrakis Spice Guild Ixian Tleilax Richese").split()
SUFFIX = ("Inc", "LLC", "Ltd", "GmbH", "Group", "Labs", "Industries", "Systems", "Partners", "Co")
CITIES = (("Boston", "United States"), ("Dublin", "Ireland"), ("Berlin", "Germany"),
          ("Paris", "France"), ("Tokyo", "Japan"), ("Sydney", "Australia"),
          ("Toronto", "Canada"), ("London", "United Kingdom"), ("Austin", "United States"),
          ("São Paulo", "Brazil"), ("Zürich", "Switzerland"), ("Bengaluru", "India"))
TITLES = ("CEO", "CTO", "VP Sales", "Account Executive", "Engineer", "Marketing Manager",
          "Office Manager", "Buyer", "Data Analyst", "Head of Operations")
DOMAINS = ("example.com", "example.org", "example.net", "arrakis.example", "mail.example")
LIFECYCLE = ("subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead",
             "opportunity", "customer", "evangelist", "other")
LEAD = ("NEW", "OPEN", "IN_PROGRESS", "OPEN_DEAL", "UNQUALIFIED", "ATTEMPTED_TO_CONTACT",
        "CONNECTED", "BAD_TIMING")
ROLES = ("BLOCKER", "BUDGET_HOLDER", "CHAMPION", "DECISION_MAKER", "END_USER",
         "EXECUTIVE_SPONSOR", "INFLUENCER", "LEGAL_AND_COMPLIANCE", "OTHER")
INDUSTRIES = ("ACCOUNTING", "AIRLINES_AVIATION", "BANKING", "BIOTECHNOLOGY", "COMPUTER_SOFTWARE",
              "CONSTRUCTION", "EDUCATION_MANAGEMENT", "FOOD_BEVERAGES", "HOSPITAL_HEALTH_CARE",
              "INFORMATION_TECHNOLOGY_AND_SERVICES", "INSURANCE", "RETAIL", "TELECOMMUNICATIONS")
CATEGORIES = ("PRODUCT_ISSUE", "BILLING_ISSUE", "FEATURE_REQUEST", "GENERAL_INQUIRY")
MAKES = (("ford", "Focus"), ("toyota", "Corolla"), ("volkswagen", "Golf"), ("tesla", "Model 3"),
         ("renault", "Clio"), ("honda", "Civic"))
FEATURES = ("sunroof", "heated_seats", "tow_hitch", "navigation", "awd")


def mix(x: int) -> int:
    """splitmix64 finalizer: a fast, well-spread 64-bit hash."""
    x = (x + 0x9E3779B97F4A7C15) & M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & M64
    return x ^ (x >> 31)


@dataclass
class SeedContext:
    seed: int
    sizes: dict[str, int]
    owner_ids: list[str]
    deal_pipelines: list[tuple[str, list[str]]]     # (pipeline id, stage ids)
    ticket_pipelines: list[tuple[str, list[str]]]
    types: dict[str, ObjectType] = field(default_factory=dict)


class Seeder:
    """Generates seeded record i of any type and the seeded associations."""

    def __init__(self, ctx: SeedContext) -> None:
        self.ctx = ctx
        self.salt = mix(ctx.seed * 0x1000193 + 17)
        self._gen = {
            "contacts": self._contact, "companies": self._company, "deals": self._deal,
            "tickets": self._ticket, "products": self._product, "line_items": self._line_item,
            "quotes": self._quote, "cars": self._car, "service_requests": self._service_request,
        }

    # -- helpers -------------------------------------------------------------------------
    def h(self, type_name: str, idx: int, k: int = 0) -> int:
        return mix(self.salt ^ ((_NAME_HASH.get(type_name) or _name_hash(type_name)) + idx * 0x100000001B3 + k * 0x9E37))

    def size(self, type_name: str) -> int:
        return self.ctx.sizes.get(type_name, 0)

    def company_name(self, idx: int) -> str:
        h = self.h("companies", idx, 1)
        return f"{WORDS[h % len(WORDS)]} {WORDS[(h >> 8) % len(WORDS)]} {SUFFIX[(h >> 16) % len(SUFFIX)]}"

    def company_of_contact(self, idx: int) -> int | None:
        n = self.size("companies")
        h = self.h("contacts", idx, 9)
        if n == 0 or h % 10 == 0:
            return None
        return (h >> 4) % n

    def owner(self, h: int) -> str | None:
        owners = self.ctx.owner_ids
        if not owners or h % 7 == 0:
            return None
        return owners[h % len(owners)]

    # -- records -------------------------------------------------------------------------
    def record(self, t: ObjectType, idx: int) -> Record:
        n = max(1, self.size(t.name))
        h = self.h(t.name, idx)
        created = START_MS + (SPAN_MS * idx) // n + (h % 3_600_000)
        updated = created + (h >> 24) % (END_MS - created)
        gen = self._gen.get(t.name) or (self._later if t.name in later_types.NAMES else self._engagement)
        props = {k: v for k, v in gen(t, idx, h).items() if v is not None}
        rid = t.id_base + idx
        props["hs_object_id"] = str(rid)
        props[t.create_prop] = iso_ms(created)
        props[t.modified_prop] = iso_ms(updated)
        props["hs_object_source"] = "IMPORT"
        return Record(rid, props, created, updated, seeded=True)

    def _contact(self, t: ObjectType, i: int, h: int) -> dict[str, str | None]:
        first, last = FIRST[h % len(FIRST)], LAST[(h >> 6) % len(LAST)]
        city, country = CITIES[(h >> 12) % len(CITIES)]
        comp = self.company_of_contact(i)
        h2 = self.h("contacts", i, 2)
        roles = [r for b, r in enumerate(ROLES) if (h2 >> b) & 15 == 0]
        return {
            "firstname": first, "lastname": last,
            "email": self.contact_email(i, first, last, h),
            "phone": None if h2 % 5 == 0 else f"+1 617-555-{h2 % 10000:04d}",
            "mobilephone": None if h2 % 3 else f"+44 7700 {(h2 >> 20) % 1000000:06d}",
            "company": self.company_name(comp) if comp is not None else None,
            "jobtitle": TITLES[(h >> 18) % len(TITLES)], "city": city, "country": country,
            "lifecyclestage": LIFECYCLE[(h >> 22) % len(LIFECYCLE)],
            "hs_lead_status": None if h2 % 4 == 1 else LEAD[(h2 >> 9) % len(LEAD)],
            "hs_buying_role": ";".join(roles) or None,
            "date_of_birth": None if h2 % 6 == 2 else iso_date(-315_619_200_000 + ((h2 >> 30) % 15000) * DAY),
            "annualrevenue": None if h % 3 else str((h >> 28) % 2_000_000),
            "hs_email_optout": "true" if (h >> 40) % 11 == 0 else "false",
            "hubspot_owner_id": self.owner(h >> 44),
            "num_associated_deals": str((h2 >> 50) % 3),
        }

    def contact_email(self, i: int, first: str, last: str, h: int) -> str:
        return f"{first}.{last}.{i}@{DOMAINS[(h >> 34) % len(DOMAINS)]}".lower()

    def contact_email_index(self, email: str) -> int | None:
        """Which seeded contact would carry this email (uniqueness without materializing)."""
        local = email.split("@", 1)[0]
        tail = local.rsplit(".", 1)[-1]
        if not tail.isdigit():
            return None
        i = int(tail)
        return i if i < self.size("contacts") else None

    def _company(self, t: ObjectType, i: int, h: int) -> dict[str, str | None]:
        name = self.company_name(i)
        city, country = CITIES[(h >> 12) % len(CITIES)]
        domain = f"{name.split()[0].lower()}{i}.example.com"
        return {
            "name": name, "domain": domain, "website": f"https://www.{domain}",
            "phone": f"+1 212-555-{(h >> 3) % 10000:04d}",
            "industry": INDUSTRIES[(h >> 20) % len(INDUSTRIES)],
            "type": ("PROSPECT", "PARTNER", "RESELLER", "VENDOR", "OTHER")[(h >> 26) % 5],
            "numberofemployees": str(1 + (h >> 30) % 5000),
            "annualrevenue": None if h % 4 == 0 else f"{(h >> 36) % 50_000_000}.00",
            "city": city, "country": country, "founded_year": str(1950 + (h >> 44) % 74),
            "lifecyclestage": LIFECYCLE[(h >> 50) % len(LIFECYCLE)],
            "is_public": "true" if h % 9 == 0 else "false",
            "hubspot_owner_id": self.owner(h >> 54),
            "num_associated_contacts": "0",
            "description": None if h % 2 else f"{name} is a company in {city}.",
        }

    def _deal(self, t: ObjectType, i: int, h: int) -> dict[str, str | None]:
        pipes = self.ctx.deal_pipelines
        pipe, stages = pipes[(h >> 4) % len(pipes)] if pipes else ("default", ["appointmentscheduled"])
        stage = stages[(h >> 8) % len(stages)]
        close = START_MS + ((h >> 16) % (3 * 365 + 180)) * DAY + (h >> 40) % DAY  # until a year after today
        return {
            "dealname": f"{self.company_name((h >> 20) % max(1, self.size('companies')))} - deal {i}",
            "amount": None if h % 8 == 0 else str((h >> 28) % 100_000) + (".50" if h % 3 == 0 else ""),
            "closedate": iso_ms(close), "pipeline": pipe, "dealstage": stage,
            "dealtype": ("newbusiness", "existingbusiness")[(h >> 44) % 2],
            "description": None if h % 3 else f"Deal number {i}",
            "hs_priority": ("low", "medium", "high")[(h >> 46) % 3],
            "hs_is_closed": "true" if stage.startswith("closed") else "false",
            "hs_deal_stage_probability": "1.0" if stage == "closedwon" else "0.0" if stage == "closedlost" else "0.2",
            "hubspot_owner_id": self.owner(h >> 50),
        }

    def _ticket(self, t: ObjectType, i: int, h: int) -> dict[str, str | None]:
        pipes = self.ctx.ticket_pipelines
        pipe, stages = pipes[(h >> 4) % len(pipes)] if pipes else ("0", ["1"])
        cats = [c for b, c in enumerate(CATEGORIES) if (h >> (10 + 2 * b)) & 3 == 0]
        return {
            "subject": f"Ticket {i}: {('Login fails', 'Invoice wrong', 'Add export', 'Question')[(h >> 20) % 4]}",
            "content": f"Customer reported issue number {i}.",
            "hs_pipeline": pipe, "hs_pipeline_stage": stages[(h >> 8) % len(stages)],
            "hs_ticket_priority": ("LOW", "MEDIUM", "HIGH", "URGENT")[(h >> 24) % 4],
            "hs_ticket_category": ";".join(cats) or None,
            "hs_ticket_id": str(t.id_base + i),
            "hubspot_owner_id": self.owner(h >> 30),
        }

    def _product(self, t: ObjectType, i: int, h: int) -> dict[str, str | None]:
        return {
            "name": f"{WORDS[h % len(WORDS)]} {('Widget', 'Licence', 'Service', 'Gadget')[(h >> 8) % 4]} {i}",
            "description": f"Product {i}", "price": f"{1 + (h >> 12) % 2000}.{(h >> 24) % 100:02d}",
            "hs_sku": f"SKU-{i:06d}", "hs_cost_of_goods_sold": str((h >> 30) % 500),
            "hs_recurring_billing_period": None if h % 2 else "P12M",
        }

    def _line_item(self, t: ObjectType, i: int, h: int) -> dict[str, str | None]:
        qty, price = 1 + h % 20, 1 + (h >> 8) % 2000
        nprod = self.size("products")
        prod = self.ctx.types["products"].id_base + (h >> 20) % nprod if nprod else None
        return {"name": f"Line item {i}", "quantity": str(qty), "price": str(price),
                "amount": f"{qty * price}.00", "hs_product_id": str(prod) if prod else None,
                "discount": None if h % 5 else "10"}

    def _quote(self, t: ObjectType, i: int, h: int) -> dict[str, str | None]:
        return {"hs_title": f"Quote {i}",
                "hs_expiration_date": iso_date(START_MS + ((h >> 4) % 900) * DAY),
                "hs_status": ("DRAFT", "APPROVAL_NOT_NEEDED", "PENDING_APPROVAL", "APPROVED")[(h >> 16) % 4],
                "hs_public_url_key": f"{h:016x}", "hs_currency": "USD"}

    def _engagement(self, t: ObjectType, i: int, h: int) -> dict[str, str | None]:
        ts = START_MS + ((h >> 8) % (2 * 365 * 24)) * 3_600_000
        out: dict[str, str | None] = {"hs_timestamp": iso_ms(ts), "hubspot_owner_id": self.owner(h >> 40)}
        n = t.name
        if n == "calls":
            out.update(hs_call_title=f"Call {i}", hs_call_body=f"<p>Discussed item {i}</p>",
                       hs_body_preview=f"Discussed item {i}", hs_call_duration=str((h >> 20) % 3_600_000),
                       hs_call_direction=("INBOUND", "OUTBOUND")[(h >> 30) % 2],
                       hs_call_status=("COMPLETED", "NO_ANSWER", "BUSY")[(h >> 32) % 3])
        elif n == "emails":
            out.update(hs_email_subject=f"Re: proposal {i}", hs_email_text=f"Hello, about {i}.",
                       hs_email_direction=("EMAIL", "INCOMING_EMAIL", "FORWARDED_EMAIL")[(h >> 30) % 3])
        elif n == "meetings":
            out.update(hs_meeting_title=f"Meeting {i}", hs_meeting_body=f"<p>Agenda {i}</p>",
                       hs_meeting_start_time=iso_ms(ts), hs_meeting_end_time=iso_ms(ts + 1_800_000),
                       hs_meeting_outcome=("SCHEDULED", "COMPLETED", "NO_SHOW")[(h >> 30) % 3])
        elif n == "notes":
            out.update(hs_note_body=f"<p>Note {i}: follow up</p>")
        elif n == "tasks":
            out.update(hs_task_subject=f"Task {i}", hs_task_body=f"Do thing {i}",
                       hs_task_status=("NOT_STARTED", "IN_PROGRESS", "COMPLETED")[(h >> 30) % 3],
                       hs_task_priority=("LOW", "MEDIUM", "HIGH")[(h >> 32) % 3],
                       hs_task_type=("CALL", "EMAIL", "TODO")[(h >> 34) % 3])
        elif n == "communications":
            out.update(hs_communication_channel_type=("SMS", "WHATS_APP", "LINKEDIN_MESSAGE")[(h >> 30) % 3],
                       hs_communication_logged_from="CRM", hs_communication_body=f"Message {i}")
        elif n == "postal_mail":
            out.update(hs_postal_mail_body=f"Letter {i}")
        return out

    def _later(self, t: ObjectType, i: int, h: int) -> dict[str, str | None]:
        out = later_types.seed_values(t.name, i, h, START_MS)
        out["hubspot_owner_id"] = self.owner(h >> 50)
        return out

    def _car(self, t: ObjectType, i: int, h: int) -> dict[str, str | None]:
        make, model = MAKES[h % len(MAKES)]
        feats = [f for b, f in enumerate(FEATURES) if (h >> (8 + b)) & 1]
        return {"vin": self.car_vin(i), "make": make, "model": model,
                "year": str(2005 + (h >> 16) % 20), "price": f"{5000 + (h >> 24) % 60000}.00",
                "purchase_date": iso_date(START_MS + ((h >> 32) % 700) * DAY),
                "features": ";".join(feats) or None,
                "is_electric": "true" if make == "tesla" else "false"}

    def car_vin(self, i: int) -> str:
        return f"1HGCM{self.ctx.seed % 1000:03d}{i:09d}"

    def car_vin_index(self, vin: str) -> int | None:
        if len(vin) == 17 and vin.upper().startswith(f"1HGCM{self.ctx.seed % 1000:03d}") and vin[8:].isdigit():
            i = int(vin[8:])
            return i if i < self.size("cars") else None
        return None

    def _service_request(self, t: ObjectType, i: int, h: int) -> dict[str, str | None]:
        return {"request_name": f"Service request {i}",
                "status": ("open", "scheduled", "in_service", "done")[h % 4],
                "scheduled_at": iso_ms(START_MS + ((h >> 8) % 800) * DAY + 9 * 3_600_000),
                "estimate": str(50 + (h >> 20) % 2000), "notes": None if h % 3 else "Customer waiting"}

    # -- associations --------------------------------------------------------------------
    def edges(self) -> Iterator[tuple[str, str, int, int, tuple[str, ...]]]:
        """(from type, to type, from idx, to idx, labels) where labels name definitions:
        "" = unlabeled, "primary", or a custom label name."""
        n = self.size
        for i in range(n("contacts")):
            c = self.company_of_contact(i)
            if c is not None:
                h = self.h("contacts", i, 3)
                labels = ("", "primary") + (("billing_contact",) if h % 5 == 0 else ())
                yield "contacts", "companies", i, c, labels
        nco, nc = n("companies"), n("contacts")
        for j in range(n("deals")):
            h = self.h("deals", j, 3)
            if nco:
                yield "deals", "companies", j, h % nco, ("", "primary")
            if nc:
                yield "deals", "contacts", j, (h >> 20) % nc, ("",)
                if h % 3 == 0:
                    yield "deals", "contacts", j, (h >> 40) % nc, ("", "decision_maker")
        for k in range(n("tickets")):
            h = self.h("tickets", k, 3)
            if nc:
                yield "tickets", "contacts", k, h % nc, ("",)
            if nco and h % 2:
                yield "tickets", "companies", k, (h >> 20) % nco, ("", "primary")
        nd = n("deals")
        for k in range(n("line_items")):
            if nd:
                yield "line_items", "deals", k, self.h("line_items", k, 3) % nd, ("",)
        for k in range(n("quotes")):
            if nd:
                yield "quotes", "deals", k, self.h("quotes", k, 3) % nd, ("",)
        for k in range(1, nco):
            h = self.h("companies", k, 3)
            if h % 10 == 0:
                yield "companies", "companies", k, (h >> 8) % k, ("", "parent")
        for et in ("calls", "emails", "meetings", "notes", "tasks", "communications", "postal_mail"):
            for k in range(n(et)):
                h = self.h(et, k, 3)
                if nc:
                    yield et, "contacts", k, h % nc, ("",)
                if nd and h % 4 == 0:
                    yield et, "deals", k, (h >> 20) % nd, ("",)
        ncar = n("cars")
        for k in range(ncar):
            if nc:
                yield "cars", "contacts", k, self.h("cars", k, 3) % nc, ("", "car_owner")
        for k in range(n("service_requests")):
            h = self.h("service_requests", k, 3)
            if ncar:
                yield "service_requests", "cars", k, h % ncar, ("",)
            if nc and h % 2:
                yield "service_requests", "contacts", k, (h >> 20) % nc, ("",)
        for name, targets in later_types.ASSOCIATED.items():
            for k in range(n(name)):
                h = self.h(name, k, 3)
                for j, target in enumerate(targets):
                    size = n(target)
                    if size and (j == 0 or (h >> (8 * j)) % 2):
                        yield name, target, k, (h >> (16 * j)) % size, ("",)


_NAME_HASH: dict[str, int] = {}


def _name_hash(name: str) -> int:
    _NAME_HASH[name] = hash_name(name)
    return _NAME_HASH[name]


def hash_name(name: str) -> int:
    h = 1469598103934665603
    for ch in name.encode():
        h = ((h ^ ch) * 1099511628211) & M64
    return h
