"""/api/v1/: one router; each domain's viewsets live in its own api.py."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter, SimpleRouter

from ecotone.atlas import api as atlas_api
from ecotone.challenges import api as challenges_api
from ecotone.directory import api as directory_api
from ecotone.ecosystems import api as ecosystem_api
from ecotone.measures import api as measures_api
from ecotone.mentoring import api as mentoring_api
from ecotone.network.api import gatherings as network_gatherings_api
from ecotone.network.api import members as network_members_api
from ecotone.network.api import newsletters as network_newsletters_api
from ecotone.network.api import surveys as network_surveys_api
from ecotone.pathways import api as pathways_api
from ecotone.pathways import api_verify as badges_verify_api
from ecotone.quality import api as quality_api

root = DefaultRouter()
root.register("ecosystems", ecosystem_api.EcosystemViewSet, basename="ecosystem")
root.register("networks", ecosystem_api.NetworkViewSet, basename="network")
root.register(
    r"networks/(?P<network_slug>[^/.]+)/measures",
    measures_api.NetworkDashboardViewSet,
    basename="network-measure",
)

# Everything that belongs to one ecosystem hangs under /api/v1/ecosystems/<slug>/.
scoped = SimpleRouter()
scoped.register("organizations", ecosystem_api.OrganizationViewSet, basename="organization")
scoped.register("memberships", ecosystem_api.MembershipViewSet, basename="membership")
scoped.register("invitations", ecosystem_api.InvitationViewSet, basename="invitation")
scoped.register("audit-log", ecosystem_api.AuditLogViewSet, basename="audit-log")
scoped.register("programs", directory_api.ProgramViewSet, basename="program")
scoped.register("locations", directory_api.LocationViewSet, basename="location")
scoped.register("analyses", atlas_api.AnalysisViewSet, basename="analysis")
scoped.register("scenarios", atlas_api.ScenarioViewSet, basename="scenario")
scoped.register("population-areas", atlas_api.PopulationAreaViewSet, basename="population-area")
scoped.register("mentors", mentoring_api.MentorViewSet, basename="mentor")
scoped.register("opportunities", mentoring_api.OpportunityViewSet, basename="mentoring-opportunity")
scoped.register("matches", mentoring_api.MatchViewSet, basename="match")
scoped.register("hour-logs", mentoring_api.HourLogViewSet, basename="hour-log")
scoped.register("matching-rounds", mentoring_api.MatchingRoundViewSet, basename="matching-round")
scoped.register("screening-steps", mentoring_api.ScreeningStepViewSet, basename="screening-step")
scoped.register("measures/indicators", measures_api.IndicatorViewSet, basename="indicator")
scoped.register("measures/codes", measures_api.CodeTableViewSet, basename="code-table")
scoped.register("measures/dashboards", measures_api.DashboardViewSet, basename="measure-dashboard")
scoped.register(
    "measures/submissions", measures_api.SubmissionViewSet, basename="measure-submission"
)
scoped.register("measures/agreements", measures_api.AgreementViewSet, basename="measure-agreement")
scoped.register("measures/periods", measures_api.PeriodViewSet, basename="measure-period")
scoped.register("measures/reach", measures_api.ReachViewSet, basename="measure-reach")
scoped.register(
    "measures/linkage-epochs", measures_api.LinkageEpochViewSet, basename="measure-linkage-epoch"
)
scoped.register(
    "measures/public-sources", measures_api.PublicSourceViewSet, basename="measure-public-source"
)
scoped.register(
    "measures/collections", measures_api.CollectionViewSet, basename="measure-collection"
)
scoped.register("measures/rosters", measures_api.RosterViewSet, basename="measure-roster")
scoped.register("quality/rubrics", quality_api.RubricViewSet, basename="quality-rubric")
scoped.register("quality/assessments", quality_api.AssessmentViewSet, basename="quality-assessment")
scoped.register("quality/reviews", quality_api.ReviewViewSet, basename="quality-review")
scoped.register("quality/plans", quality_api.PlanViewSet, basename="quality-plan")
scoped.register("quality/plan-actions", quality_api.PlanActionViewSet, basename="quality-action")
scoped.register("quality/rollup", quality_api.RollupViewSet, basename="quality-rollup")
scoped.register("quality/programs", quality_api.ProgramProgressViewSet, basename="quality-program")
# challenges (area api): scoped by challenges.access; writes call the app's services
scoped.register("challenges/calls", challenges_api.CallViewSet, basename="challenge-call")
scoped.register(
    "challenges/applications", challenges_api.ApplicationViewSet, basename="challenge-application"
)
scoped.register(
    "challenges/assignments", challenges_api.AssignmentViewSet, basename="challenge-assignment"
)
scoped.register("challenges/reviews", challenges_api.ReviewViewSet, basename="challenge-review")
scoped.register(
    "challenges/reviewers", challenges_api.ReviewerProfileViewSet, basename="challenge-reviewer"
)
scoped.register(
    "challenges/decisions", challenges_api.DecisionViewSet, basename="challenge-decision"
)
# network gatherings (issue 19, items 3 and 4): scoped by network.access
scoped.register(
    "network/workgroups", network_gatherings_api.WorkgroupViewSet, basename="network-workgroup"
)
scoped.register("network/events", network_gatherings_api.EventViewSet, basename="network-event")
scoped.register(
    "network/registrations",
    network_gatherings_api.RegistrationViewSet,
    basename="network-registration",
)
scoped.register(
    "network/attendance", network_gatherings_api.AttendanceViewSet, basename="network-attendance"
)
# pathways (issue 21): scoped by pathways.access
scoped.register("pathways", pathways_api.PathwayViewSet, basename="pathway")
scoped.register("challenges/awards", challenges_api.AwardViewSet, basename="challenge-award")
# pathways and badges (bissue): scoped by pathways.access; writes call the app's services
scoped.register(
    "badges/achievements", pathways_api.AchievementViewSet, basename="badge-achievement"
)
scoped.register("badges/awards", pathways_api.AwardViewSet, basename="badge-award")
scoped.register("badges/counts", pathways_api.BadgeCountsViewSet, basename="badge-counts")
scoped.register("challenges/winners", challenges_api.WinnerViewSet, basename="challenge-winner")
# challenges (area api2): the backbone's rounds; a reviewer's bids and declared conflicts
scoped.register("challenges/rounds", challenges_api.RoundViewSet, basename="challenge-round")
scoped.register("challenges/bids", challenges_api.BidViewSet, basename="challenge-bid")
scoped.register(
    "challenges/conflicts", challenges_api.ConflictViewSet, basename="challenge-conflict"
)
# the network's members area: the roll (backbone), the member directory, the resource library
scoped.register("network/members", network_members_api.MemberViewSet, basename="network-member")
scoped.register(
    "network/member-directory",
    network_members_api.DirectoryViewSet,
    basename="network-member-directory",
)
scoped.register(
    "network/resources", network_members_api.ResourceViewSet, basename="network-resource"
)
# the network's surveys and health dashboard (issue 19, surveys): the backbone's, read-only
scoped.register("network/surveys", network_surveys_api.SurveyViewSet, basename="network-survey")
scoped.register("network/health", network_surveys_api.HealthViewSet, basename="network-health")
# network newsletters (issue 19): scoped by network.access; counts only, never who
scoped.register(
    "network/newsletters", network_newsletters_api.NewsletterViewSet, basename="network-newsletter"
)
scoped.register(
    "network/newsletter-suggestions",
    network_newsletters_api.SuggestionViewSet,
    basename="network-newsletter-suggestion",
)
scoped.register(
    "network/newsletter-engagement",
    network_newsletters_api.NewsletterEngagementViewSet,
    basename="network-newsletter-engagement",
)
scoped.register(
    "network/segment-count",
    network_newsletters_api.SegmentCountViewSet,
    basename="network-segment-count",
)

app_name = "api"
urlpatterns = [
    path("me/", ecosystem_api.MeView.as_view(), name="me"),
    # badges (issue 21): verifying a credential needs no ecosystem and no sign-in
    path("badges/verify/", badges_verify_api.VerifyView.as_view(), name="badge-verify"),
    path("ecosystems/<slug:ecosystem_slug>/", include(scoped.urls)),
    path("", include(root.urls)),
]
