"""Form of Settings → Website tracking."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, TextAreaField
from wtforms.validators import InputRequired, NumberRange


class WebsiteTrackingForm(FlaskForm):
    """Where the tracker may run, what it replaces, and the pool it shows numbers from."""

    campaign = SelectField(
        "Number pool",
        description="The website campaign whose numbers visitors see. Its numbers without a "
        "source form the pool; numbers with a source are shown to visitors from that source.",
    )
    allowed_domains = TextAreaField(
        "Allowed domains",
        description="One per line, like example.com (its subdomains are allowed too). "
        "Pages on other sites get no number.",
    )
    replace_numbers = TextAreaField(
        "Real numbers to replace",
        description="The business's numbers as they appear on the site, one per line, in any "
        "format: (512) 555-0100, 512-555-0100, +1 512 555 0100 and tel: links all match.",
    )
    lease_minutes = IntegerField(
        "Lease time (minutes)",
        validators=[InputRequired("Enter a number of minutes."), NumberRange(5, 1440)],
        description="How long a visitor keeps their number after their last page view.",
    )
    cooldown_minutes = IntegerField(
        "Cooldown (minutes)",
        validators=[InputRequired("Enter a number of minutes."), NumberRange(0, 1440)],
        description="A released number waits this long before another visitor gets it, so "
        "late callers still reach the right visit.",
    )
    form_fields = BooleanField(
        "Add hidden fields to the site's forms (UTM tags, click ids, GA ids, session id)"
    )
    require_consent = BooleanField(
        "Wait for consent: track only after the site calls RingTonic.consent()"
    )
    honor_gpc = BooleanField("Honour the Global Privacy Control signal (no tracking when set)")
