"""The CRM object types HubSpot added later (leads, services, appointments, courses,
listings, invoices, orders, carts, subscriptions, feedback submissions, goal targets):
their objectTypeIds, a compact set of their default properties, seeded values and the
types each is associated with.

objectTypeIds as HubSpot's developer docs list them; feedback submissions are read
through the API only (the FDW refuses writes: catalog/registry.py). Data and one seed
function; the generic code (objecttypes.py, seed.py, portal.py) does the rest.
"""

from __future__ import annotations

from hubspot_fdw.simulator.clock import iso_date, iso_ms
from hubspot_fdw.simulator.properties import Spec, opts

# name, objectTypeId, singular, list defaults (primary display first)
TYPES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("leads", "0-136", "lead", ("hs_lead_name",)),
    ("services", "0-162", "service", ("hs_name",)),
    ("appointments", "0-421", "appointment", ("hs_appointment_name",)),
    ("courses", "0-410", "course", ("hs_course_name",)),
    ("listings", "0-420", "listing", ("hs_name",)),
    ("invoices", "0-53", "invoice", ("hs_number",)),
    ("orders", "0-123", "order", ("hs_order_name",)),
    ("carts", "0-142", "cart", ("hs_cart_name",)),
    ("subscriptions", "0-69", "subscription", ("hs_name",)),
    ("feedback_submissions", "0-19", "feedback_submission", ("hs_survey_name",)),
    ("goal_targets", "0-74", "goal_target", ("hs_goal_name",)),
)
# seeded associations: from type → the types its records are associated with
ASSOCIATED: dict[str, tuple[str, ...]] = {
    "leads": ("contacts", "companies"), "services": ("contacts", "companies"),
    "appointments": ("contacts", "companies"), "courses": ("contacts", "companies"),
    "listings": ("contacts", "companies"), "invoices": ("contacts", "line_items"),
    "orders": ("contacts", "line_items", "carts"), "carts": ("contacts", "line_items"),
    "subscriptions": ("contacts", "companies", "line_items"), "feedback_submissions": ("contacts",),
}

CURRENCY = ("USD", "EUR", "GBP", "JPY")
SPECS: dict[str, list[Spec]] = {
    "leads": [("hs_lead_name", "string", "text", "Lead name", "", []),
              ("hs_lead_type", "enumeration", "select", "Lead type", "",
               opts("NEW_BUSINESS:New business", "UPSELL:Upsell", "RE_ATTEMPTING:Re-attempting")),
              ("hs_lead_label", "enumeration", "select", "Lead label", "", opts("COLD:Cold", "WARM:Warm", "HOT:Hot"))],
    "services": [("hs_name", "string", "text", "Name", "", []),
                 ("hs_description", "string", "textarea", "Description", "", []),
                 ("hs_target_end_date", "date", "date", "Target end date", "", [])],
    "appointments": [("hs_appointment_name", "string", "text", "Appointment name", "", []),
                     ("hs_appointment_start", "datetime", "date", "Start", "", []),
                     ("hs_appointment_end", "datetime", "date", "End", "", [])],
    "courses": [("hs_course_name", "string", "text", "Course name", "", []),
                ("hs_course_description", "string", "textarea", "Course description", "", []),
                ("hs_price", "number", "number", "Price", "", [])],
    "listings": [("hs_name", "string", "text", "Listing name", "", []),
                 ("hs_price", "number", "number", "Price", "", []),
                 ("hs_city", "string", "text", "City", "", []),
                 ("hs_bedrooms", "number", "number", "Bedrooms", "", []),
                 ("hs_listing_type", "enumeration", "select", "Listing type", "",
                  opts("house:House", "apartment:Apartment", "condo:Condo", "land:Land"))],
    "invoices": [("hs_number", "string", "text", "Invoice number", "ro", []),
                 ("hs_currency", "string", "text", "Currency", "", []),
                 ("hs_invoice_status", "enumeration", "select", "Invoice status", "",
                  opts("draft:Draft", "open:Open", "paid:Paid", "voided:Voided")),
                 ("hs_due_date", "date", "date", "Due date", "", []),
                 ("hs_amount_billed", "number", "calculation_equation", "Amount billed", "calc", [])],
    "orders": [("hs_order_name", "string", "text", "Order name", "", []),
               ("hs_currency_code", "string", "text", "Currency code", "", []),
               ("hs_total_price", "number", "number", "Total price", "", [])],
    "carts": [("hs_cart_name", "string", "text", "Cart name", "", []),
              ("hs_currency_code", "string", "text", "Currency code", "", []),
              ("hs_total_price", "number", "number", "Total price", "", [])],
    "subscriptions": [("hs_name", "string", "text", "Name", "", []),
                      ("hs_status", "enumeration", "select", "Status", "",
                       opts("active:Active", "scheduled:Scheduled", "past_due:Past due", "canceled:Canceled",
                            "expired:Expired")),
                      ("hs_recurring_billing_start_date", "date", "date", "Billing start date", "", []),
                      ("hs_last_payment_amount", "number", "number", "Last payment amount", "ro", [])],
    "feedback_submissions": [("hs_survey_name", "string", "text", "Survey name", "ro", []),
                             ("hs_survey_type", "enumeration", "select", "Survey type", "ro",
                              opts("NPS:NPS", "CSAT:CSAT", "CES:CES", "CUSTOM:Custom")),
                             ("hs_response_value", "number", "number", "Response value", "ro", []),
                             ("hs_sentiment", "enumeration", "select", "Sentiment", "ro",
                              opts("Promoter:Promoter", "Passive:Passive", "Detractor:Detractor")),
                             ("hs_content", "string", "textarea", "Response", "ro", [])],
    "goal_targets": [("hs_goal_name", "string", "text", "Goal name", "", []),
                     ("hs_target_amount", "number", "number", "Target amount", "", []),
                     ("hs_start_datetime", "datetime", "date", "Start", "", []),
                     ("hs_end_datetime", "datetime", "date", "End", "", [])],
}
NAMES = frozenset(name for name, _, _, _ in TYPES)
DAY = 86_400_000


def seed_values(type_name: str, i: int, h: int, start_ms: int) -> dict[str, str | None]:
    """Seeded values of record ``i`` (``h`` its hash) of a later type: one per property,
    each valid for its definition."""
    out: dict[str, str | None] = {}
    when = start_ms + (h >> 8) % (700 * DAY)
    for k, (name, ptype, ftype, label, flags, options) in enumerate(SPECS[type_name]):
        hk = h >> (k % 40)
        if "calc" in flags:
            continue
        if options:
            out[name] = options[hk % len(options)].value
        elif ptype == "number":
            out[name] = str(1 + hk % 5000) if k % 2 else f"{hk % 5000}.{hk % 100:02d}"
        elif ptype == "datetime":
            out[name] = iso_ms(when + k * 3_600_000)
        elif ptype == "date":
            out[name] = iso_date(when + 30 * DAY)
        elif "currency" in name:
            out[name] = CURRENCY[hk % len(CURRENCY)]
        elif name == "hs_number":
            out[name] = f"INV-{1000 + i}"
        else:
            out[name] = f"{label} {i}"
    return out
