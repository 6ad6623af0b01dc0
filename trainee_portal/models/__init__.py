"""The database models, one module per area; importing this package registers every table."""

from trainee_portal.models.accounts import (  # noqa: F401
    ROLES,
    Cohort,
    DirectorScope,
    LoginFailure,
    PasswordResetToken,
    Region,
    RoleScope,
    SupervisorAssignment,
    TraineeProfile,
    User,
    UserRole,
    name_key,
)
from trainee_portal.models.api_tokens import ApiToken  # noqa: F401
from trainee_portal.models.audit import AuditCheckpoint, AuditHead, AuditRecord  # noqa: F401
from trainee_portal.models.curricula import CurriculumUpload  # noqa: F401
from trainee_portal.models.drafts import FormDraft  # noqa: F401
from trainee_portal.models.evidence import EvidenceCompetency, EvidenceEntry  # noqa: F401
from trainee_portal.models.exams import ExamAttempt, ExamPrerequisite, ExamSitting, MockExamScore, RapmConfirmation  # noqa: F401
from trainee_portal.models.exports import DocumentExport  # noqa: F401
from trainee_portal.models.halo import HaloEvidence, HaloRequest  # noqa: F401
from trainee_portal.models.imports import ImportedRow, ImportJob  # noqa: F401
from trainee_portal.models.msf import MsfRater, MsfResponse, MsfRound  # noqa: F401
from trainee_portal.models.outbox import OutboxMessage  # noqa: F401
from trainee_portal.models.panels import ArcpPanel, ArcpPanelTrainee, ArcpReminder, PanelPack  # noqa: F401
from trainee_portal.models.progress import EvidenceTally, EvidenceWeek, TraineeProgress  # noqa: F401
from trainee_portal.models.reviews import ArcpOutcome  # noqa: F401
from trainee_portal.models.rules import LocalRule  # noqa: F401
from trainee_portal.models.signoff import (  # noqa: F401
    RetiredAssessorLink,
    SigningPin,
    SignOff,
    SignOffRequest,
    StageSignOff,
    SupervisorResponseDay,
)
from trainee_portal.models.trainee_summary import SupervisorResponseRecent, TraineeSummary  # noqa: F401
from trainee_portal.models.training_time import TrainingPeriod  # noqa: F401
from trainee_portal.models.transitions import CurriculumTransition  # noqa: F401
