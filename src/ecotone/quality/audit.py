"""Change history of program quality (django-auditlog, per ecosystem): who added a rubric,
imported a version of it, or published one; who started an assessment, moved it on, and
agreed each consensus rating; who added evidence, assigned a reviewer, and wrote and followed
a plan."""

from ecotone.ecosystems.audit import track

from .models import (
    Assessment,
    ConsensusRating,
    Evidence,
    ImprovementPlan,
    PlanAction,
    PlanGoal,
    Review,
    Rubric,
    RubricVersion,
)

track(Rubric)
# a version's content is the whole rubric, kept in the version itself: its status says what matters
track(RubricVersion, exclude=("content",))
# Individual ratings are not tracked: a rater saves each attribute as they go, often many times,
# and only the consensus is the assessment's record.
track(Assessment)
track(ConsensusRating)
track(Evidence)
track(Review)
track(ImprovementPlan)
track(PlanGoal)
track(PlanAction)
