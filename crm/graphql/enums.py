"""The domain enums, registered with GraphQL descriptions."""

from __future__ import annotations

import strawberry

from crm import enums
from crm.callbacks.service import CallbackOrder
from crm.members.service import MemberOrder

_DESCRIPTIONS = {
    enums.Role: "A staff member's role: what they may see and do.",
    enums.StoreKind: "Who runs a store: the brand (自營) or a dealer.",
    enums.DealerTier: "A dealer's importance to the brand.",
    enums.PaymentStanding: "How a dealer keeps up with payments (匯款).",
    enums.Gender: "A member's gender as they chose to record it.",
    enums.MemberTier: "VIP tier, from SILVER up to DIAMOND.",
    enums.MemberStatus: "Whether a member is active, dormant (no recent visit) or closed.",
    enums.VisitKind: "A member's store visit or a dealer's showroom visit.",
    enums.DealerVisitPurpose: "Why a dealer came to the showroom: see goods, order, return defective goods.",
    enums.PartyKind: "Whether a record concerns a member or a dealer.",
    enums.CallbackPurpose: "Why a follow-up call (回訪) is made.",
    enums.Channel: "How a person is contacted.",
    enums.CallbackStatus: "Where a callback stands.",
    enums.NonConversionReason: "Why a contacted person will not come back or buy.",
    enums.CallOutcome: "What came of a call that reached the person (CALL_LATER keeps the callback open).",
    enums.FeedbackKind: "What kind of feedback (建議和投訴) this is.",
    enums.FeedbackChannel: "Where the feedback came in.",
    enums.FeedbackStatus: "Step of the closed complaint loop (閉環).",
    enums.Department: "Department responsible for a case.",
    enums.FeedbackCause: "Root cause category of a complaint.",
    enums.TargetScope: "What an enrolment target applies to.",
    enums.Region: "Sales region (華東, 華南, 華北, 華中, 西南, 西北, 東北).",
}

for _cls, _description in _DESCRIPTIONS.items():
    strawberry.enum(_cls, description=_description)

strawberry.enum(MemberOrder, description="Sort order of a member list.")
strawberry.enum(CallbackOrder, description="Sort order of a callback list.")
