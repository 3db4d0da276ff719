"""Every model, imported so Alembic and `flask shell` see the whole schema.

Add each new model module here (one module per aggregate).
"""

from habits.models.system import Heartbeat  # noqa: F401
from ledger import models as ledger_models  # noqa: F401  (ledger tables share the metadata)
