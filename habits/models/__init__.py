"""Every model, imported so Alembic and `flask shell` see the whole schema.

Add each new model module here (one module per aggregate).
"""

from habits.models.appeal import AppealRequest, AppealStatus  # noqa: F401
from habits.models.badge import BadgeAward  # noqa: F401
from habits.models.challenge import Challenge, ChallengeStatus, ExcusedDay, Split  # noqa: F401
from habits.models.chat import (  # noqa: F401
    ChatDelivery,
    ChatDeliveryStatus,
    ChatKind,
    ChatPurpose,
    ChatWebhook,
)
from habits.models.checkin import CheckIn, CheckInArrivalHole, CheckInSource, RestDay  # noqa: F401
from habits.models.community import (  # noqa: F401
    ORGANIZING_ROLES,
    Community,
    CommunityMembership,
    Invitation,
    InvitationUse,
    MembershipStatus,
    MemberTag,
    QuizAttempt,
    Role,
    Theme,
)
from habits.models.enrollment import Enrollment  # noqa: F401
from habits.models.feed import (  # noqa: F401
    CheckInFlag,
    Cheer,
    Comment,
    CommentMention,
    CommentReport,
    MemberBlock,
)
from habits.models.health import (  # noqa: F401
    WHOLE_COMMUNITY,
    CommunityCohortWeek,
    CommunityDailyHealth,
    HealthAlert,
    HealthRefresh,
)
from habits.models.member import ApiToken, Member, WebSession  # noqa: F401
from habits.models.notification import (  # noqa: F401
    Notification,
    NotificationDigest,
    PushDelivery,
    PushStatus,
    PushSubscription,
)
from habits.models.one_time_link import LinkPurpose, OneTimeLink  # noqa: F401
from habits.models.outbox import MailOptOut, MailStatus, OutboxMail  # noqa: F401
from habits.models.payment import Dispute, Payment, Refund, StripeEvent, Withdrawal  # noqa: F401
from habits.models.payout import Payout, PayoutEvent  # noqa: F401
from habits.models.referee import RefereeKind, RefereeLogEntry  # noqa: F401
from habits.models.settlement import DaySettlement, DaySettlementStatus  # noqa: F401
from habits.models.squad import Squad, SquadChange, SquadMember, SquadMove  # noqa: F401
from habits.models.system import Heartbeat, NodeHeartbeat  # noqa: F401
from habits.models.terms import TermsAcceptance, TermsVersion  # noqa: F401
from habits.models.window import ChallengeWindow  # noqa: F401
from ledger import models as ledger_models  # noqa: F401  (ledger tables share the metadata)
