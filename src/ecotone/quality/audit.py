"""Change history of program quality (django-auditlog, per ecosystem): who added a rubric,
imported a version of it, or published one."""

from ecotone.ecosystems.audit import track

from .models import Rubric, RubricVersion

track(Rubric)
# a version's content is the whole rubric, kept in the version itself: its status says what matters
track(RubricVersion, exclude=("content",))
