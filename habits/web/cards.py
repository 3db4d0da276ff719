"""A check-in's share card for the pages (``/checkins/<id>/card.png``): the same card as the
API's, for whoever reads the check-in in its feed (404 otherwise), in the page's language."""

from __future__ import annotations

from flask_login import login_required

from habits.extensions import db
from habits.services import card_facts
from habits.share_card import card_response, file_name
from habits.web import web_bp
from habits.web.edge import me
from habits.web.i18n import current_locale


@web_bp.get("/checkins/<id:checkin_id>/card.png")
@login_required
def checkin_card(checkin_id: int):
    return card_response(card_facts.card_facts(db.session, checkin_id, me()), current_locale())


# the share link's download name (habits/share_card.py's one home of it)
web_bp.add_app_template_global(file_name, "card_file_name")
