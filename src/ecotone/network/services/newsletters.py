"""Composing newsletters and reading them back: sections and curated items (from suggestions,
the directory's programs and mentoring's open needs, which are read, never written), the
newsletter's content in one language (the preview, the archive and each mail read the same),
its click-counted links, and engagement in aggregate (`engagement`, which the network's health
dashboard reads)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ecotone.directory.models import Program
from ecotone.ecosystems.models import Ecosystem
from ecotone.errors import DomainError
from ecotone.mentoring.models import Opportunity
from ecotone.mentoring.services.opportunities import open_opportunities

from ..models import (
    Delivery,
    DeliveryStatus,
    Item,
    ItemKind,
    LinkClick,
    Member,
    Newsletter,
    NewsletterSection,
    NewsletterStatus,
    Suggestion,
    SuggestionKind,
    SuggestionStatus,
    settings_of,
)
from .segments import Segment, mailable_in

SUGGESTION_ITEM_KIND = {
    SuggestionKind.NEWS: ItemKind.NEWS,
    SuggestionKind.RESOURCE: ItemKind.RESOURCE,
    SuggestionKind.OPPORTUNITY: ItemKind.NEWS,
}


class NotADraftError(DomainError):
    def __init__(self) -> None:
        super().__init__(_("This newsletter was already sent: it can no longer be changed."))


def _draft(newsletter: Newsletter) -> None:
    if not newsletter.is_draft:
        raise NotADraftError


def absolute(path: str) -> str:
    return str(settings.SITE_URL).rstrip("/") + path


# --- reading the directory and mentoring (never written) ----------------------------------------


def programs_to_pick(ecosystem: Ecosystem) -> QuerySet[Program]:
    """The directory's published programs (what its public pages list)."""
    return (
        Program.objects.filter(ecosystem=ecosystem)
        .listed()
        .select_related("organization")
        .order_by("name")
    )


def needs_to_pick(ecosystem: Ecosystem) -> QuerySet[Opportunity]:
    """Mentoring's open opportunities."""
    return open_opportunities(ecosystem).order_by("title", "pk")


# --- composing -----------------------------------------------------------------------------------


def create_newsletter(ecosystem: Ecosystem, actor: Any, **fields: Any) -> Newsletter:
    return Newsletter.objects.create(ecosystem=ecosystem, created_by=actor, **fields)


def update_newsletter(newsletter: Newsletter, **fields: Any) -> Newsletter:
    _draft(newsletter)
    for name, value in fields.items():
        setattr(newsletter, name, value)
    newsletter.save()
    return newsletter


def set_segment(newsletter: Newsletter, segment: Segment) -> Newsletter:
    _draft(newsletter)
    newsletter.segment = segment.as_dict()
    newsletter.save(update_fields=["segment", "updated_at"])
    return newsletter


def add_section(newsletter: Newsletter, title: str, title_es: str = "") -> NewsletterSection:
    _draft(newsletter)
    last = newsletter.sections.order_by("-position").values_list("position", flat=True).first()
    return NewsletterSection.objects.create(
        newsletter=newsletter,
        title=title,
        title_es=title_es,
        position=0 if last is None else last + 1,
    )


def remove_section(section: NewsletterSection) -> None:
    _draft(section.newsletter)
    section.delete()


def _next_position(section: NewsletterSection) -> int:
    last = section.items.order_by("-position").values_list("position", flat=True).first()
    return 0 if last is None else last + 1


def add_item(section: NewsletterSection, kind: str, **fields: Any) -> Item:
    """A news or resource item written by the editor."""
    _draft(section.newsletter)
    return Item.objects.create(
        section=section, kind=kind, position=_next_position(section), **fields
    )


def add_program(
    section: NewsletterSection, program: Program, text: str = "", text_es: str = ""
) -> Item:
    _draft(section.newsletter)
    if program not in programs_to_pick(section.newsletter.ecosystem):
        raise DomainError(_("That program is not in the directory's published programs."))
    return Item.objects.create(
        section=section,
        kind=ItemKind.PROGRAM,
        position=_next_position(section),
        title=program.name[:200],
        text=text or (getattr(program, "description", "") or "")[:500],
        text_es=text_es,
        link=absolute(program.get_absolute_url()),
        program=program,
    )


def add_need(
    section: NewsletterSection, opportunity: Opportunity, text: str = "", text_es: str = ""
) -> Item:
    _draft(section.newsletter)
    if opportunity not in needs_to_pick(section.newsletter.ecosystem):
        raise DomainError(_("That mentoring opportunity is not open."))
    path = reverse(
        "mentoring:opportunity",
        kwargs={
            "ecosystem_slug": section.newsletter.ecosystem.slug,
            "opportunity_id": opportunity.pk,
        },
    )
    return Item.objects.create(
        section=section,
        kind=ItemKind.NEED,
        position=_next_position(section),
        title=opportunity.title[:200],
        text=text or (opportunity.description or "")[:500],
        text_es=text_es,
        link=absolute(path),
        opportunity=opportunity,
    )


def pick_suggestion(section: NewsletterSection, suggestion: Suggestion) -> Item:
    _draft(section.newsletter)
    if suggestion.status != SuggestionStatus.PENDING:
        raise DomainError(_("That suggestion was already decided."))
    with transaction.atomic():
        item = Item.objects.create(
            section=section,
            kind=SUGGESTION_ITEM_KIND[SuggestionKind(suggestion.kind)],
            position=_next_position(section),
            title=suggestion.title,
            text=suggestion.text,
            link=suggestion.link,
            suggestion=suggestion,
        )
        suggestion.status = SuggestionStatus.PICKED
        suggestion.decided_at = timezone.now()
        suggestion.save(update_fields=["status", "decided_at", "updated_at"])
    return item


def remove_item(item: Item) -> None:
    _draft(item.section.newsletter)
    with transaction.atomic():
        if item.suggestion is not None:
            # back to the editor's list: removing the item was not a decision on it
            Suggestion.objects.filter(pk=item.suggestion.pk).update(
                status=SuggestionStatus.PENDING, decided_at=None
            )
        item.delete()


def suggest(ecosystem: Ecosystem, member: Member | None, **fields: Any) -> Suggestion:
    return Suggestion.objects.create(ecosystem=ecosystem, member=member, **fields)


def decline(suggestion: Suggestion) -> Suggestion:
    if suggestion.status != SuggestionStatus.PENDING:
        raise DomainError(_("That suggestion was already decided."))
    suggestion.status = SuggestionStatus.DECLINED
    suggestion.decided_at = timezone.now()
    suggestion.save(update_fields=["status", "decided_at", "updated_at"])
    return suggestion


def pending_suggestions(ecosystem: Ecosystem) -> QuerySet[Suggestion]:
    return Suggestion.objects.filter(ecosystem=ecosystem, status=SuggestionStatus.PENDING)


# --- the audience --------------------------------------------------------------------------------


def segment_of(newsletter: Newsletter) -> Segment:
    return Segment.from_dict(newsletter.segment)


def audience(newsletter: Newsletter) -> QuerySet[Member]:
    """Who the newsletter would reach if sent now (the roll's mailable members in its segment)."""
    return mailable_in(newsletter.ecosystem, segment_of(newsletter))


# --- content in one language ---------------------------------------------------------------------


def current_links(newsletter: Newsletter) -> list[str]:
    """The items' links in order (what `Newsletter.links` freezes when sending)."""
    return [
        link
        for link in Item.objects.filter(section__newsletter=newsletter)
        .order_by("section__position", "section__pk", "position", "pk")
        .values_list("link", flat=True)
        if link
    ]


def links_of(newsletter: Newsletter) -> list[str]:
    return list(newsletter.links) if not newsletter.is_draft else current_links(newsletter)


def _signer() -> signing.Signer:
    return signing.Signer(salt="ecotone.network.newsletter-link")


def link_signature(newsletter_id: int, index: int) -> str:
    return _signer().signature(f"{newsletter_id}:{index}")


def click_url(newsletter: Newsletter, index: int) -> str:
    path = reverse(
        "network:newsletter_click",
        kwargs={
            "ecosystem_slug": newsletter.ecosystem.slug,
            "newsletter_id": newsletter.pk,
            "index": index,
        },
    )
    return absolute(path) + "?s=" + link_signature(newsletter.pk, index)


def open_pixel_url(newsletter: Newsletter) -> str:
    path = reverse(
        "network:newsletter_open",
        kwargs={"ecosystem_slug": newsletter.ecosystem.slug, "newsletter_id": newsletter.pk},
    )
    return absolute(path) + "?s=" + link_signature(newsletter.pk, -1)


@dataclass
class ItemView:
    kind: str
    kind_label: str
    title: str
    text: str
    url: str  # through the click counter when `counted`, else the link itself ("" for none)


@dataclass
class SectionView:
    title: str
    items: list[ItemView] = field(default_factory=list)


@dataclass
class Content:
    language: str
    subject: str
    intro: str
    sections: list[SectionView]
    ecosystem_name: str


def content(newsletter: Newsletter, language: str, *, counted: bool) -> Content:
    """What a reader of `language` reads. `counted`: links go through the click counter (the
    mail and the archive); the editor's preview links to the places themselves."""
    sections: list[SectionView] = []
    index = 0
    frozen = links_of(newsletter)
    section_rows = newsletter.sections.prefetch_related("items").order_by("position", "pk")
    for section in section_rows:
        view = SectionView(section.title_in(language))
        for item in sorted(section.items.all(), key=lambda i: (i.position, i.pk)):
            url = ""
            if item.link:
                url = click_url(newsletter, index) if counted and index < len(frozen) else item.link
                index += 1
            view.items.append(
                ItemView(
                    kind=item.kind,
                    kind_label=str(ItemKind(item.kind).label),
                    title=item.title_in(language),
                    text=item.text_in(language),
                    url=url,
                )
            )
        sections.append(view)
    return Content(
        language=language,
        subject=newsletter.subject_in(language),
        intro=newsletter.intro_in(language),
        sections=sections,
        ecosystem_name=newsletter.ecosystem.name,
    )


# --- the archive ---------------------------------------------------------------------------------


def sent(ecosystem: Ecosystem) -> QuerySet[Newsletter]:
    return Newsletter.objects.filter(ecosystem=ecosystem, status=NewsletterStatus.SENT)


SORTS: dict[str, tuple[Any, ...]] = {
    "-created": ("-created_at", "-pk"),
    "subject": ("subject", "pk"),
    "status": ("status", "-created_at"),
    "-sent": (F("sent_at").desc(nulls_last=True), "-pk"),
}


def search(
    found: QuerySet[Newsletter], *, q: str = "", sort: str = "-created", status: str = ""
) -> QuerySet[Newsletter]:
    if q:
        found = found.filter(Q(subject__icontains=q) | Q(subject_es__icontains=q))
    if status:
        found = found.filter(status=status)
    return found.order_by(*SORTS.get(sort, SORTS["-created"]))


# --- clicks and opens ----------------------------------------------------------------------------


def count_click(newsletter: Newsletter, index: int) -> str | None:
    """Add one to the link's count and give its target (None for no such link)."""
    links = links_of(newsletter)
    if not 0 <= index < len(links):
        return None
    if not newsletter.is_draft:
        row, _created = LinkClick.objects.get_or_create(newsletter=newsletter, index=index)
        LinkClick.objects.filter(pk=row.pk).update(count=F("count") + 1)
    return links[index]


def count_open(newsletter: Newsletter) -> bool:
    if not settings_of(newsletter.ecosystem).count_newsletter_opens or newsletter.is_draft:
        return False
    Newsletter.objects.filter(pk=newsletter.pk).update(opens=F("opens") + 1)
    return True


# --- engagement in aggregate ---------------------------------------------------------------------


@dataclass
class Engagement:
    newsletter_id: int
    subject: str
    sent_at: Any
    status: str
    recipients: int
    sent: int
    delivered: int
    bounced: int
    failed: int
    clicks: int
    click_rate: float | None  # clicks per delivered message
    opens: int | None  # None when the ecosystem does not count them
    links: list[tuple[int, str, int]]  # (index, target, clicks)

    def as_dict(self) -> dict[str, Any]:
        return {
            "newsletter": self.newsletter_id,
            "subject": self.subject,
            "sent_at": self.sent_at.isoformat() if self.sent_at else None,
            "status": self.status,
            "recipients": self.recipients,
            "delivered": self.delivered,
            "bounced": self.bounced,
            "failed": self.failed,
            "clicks": self.clicks,
            "click_rate": self.click_rate,
            "opens": self.opens,
            "links": [{"index": i, "url": u, "clicks": c} for i, u, c in self.links],
        }


def engagement(
    ecosystem: Ecosystem, newsletters: Iterable[Newsletter] | None = None
) -> list[Engagement]:
    """Per newsletter sent or sending: delivered (sent and not bounced), bounced, failed, clicks
    per link and in total, clicks per delivered message, opens when counted. Counts only."""
    counting_opens = settings_of(ecosystem).count_newsletter_opens
    chosen = list(
        newsletters
        if newsletters is not None
        else Newsletter.objects.filter(ecosystem=ecosystem)
        .exclude(status=NewsletterStatus.DRAFT)
        .order_by(F("sent_at").desc(nulls_first=True), "-pk")
    )
    ids = [n.pk for n in chosen]
    by_status: dict[int, dict[str, int]] = {}
    for row in (
        Delivery.objects.filter(newsletter_id__in=ids)
        .values("newsletter_id", "status")
        .annotate(n=Count("pk"))
    ):
        by_status.setdefault(row["newsletter_id"], {})[row["status"]] = row["n"]
    clicks: dict[int, dict[int, int]] = {}
    for click in LinkClick.objects.filter(newsletter_id__in=ids):
        clicks.setdefault(click.newsletter_id, {})[click.index] = click.count
    found = []
    for n in chosen:
        counts = by_status.get(n.pk, {})
        sent_n = counts.get(DeliveryStatus.SENT, 0)
        bounced = counts.get(DeliveryStatus.BOUNCED, 0)
        delivered = sent_n
        per_link = clicks.get(n.pk, {})
        total = sum(per_link.values())
        found.append(
            Engagement(
                newsletter_id=n.pk,
                subject=n.subject,
                sent_at=n.sent_at,
                status=n.status,
                recipients=sum(counts.values()),
                sent=sent_n + bounced,
                delivered=delivered,
                bounced=bounced,
                failed=counts.get(DeliveryStatus.FAILED, 0),
                clicks=total,
                click_rate=round(total / delivered, 4) if delivered else None,
                opens=n.opens if counting_opens else None,
                links=[(i, url, per_link.get(i, 0)) for i, url in enumerate(n.links)],
            )
        )
    return found


def engagement_of(newsletter: Newsletter) -> Engagement:
    return engagement(newsletter.ecosystem, [newsletter])[0]


def export_headers() -> list[str]:
    return [
        _("Subject"),
        _("Sent"),
        _("Recipients"),
        _("Delivered"),
        _("Bounced"),
        _("Failed"),
        _("Clicks"),
        _("Clicks per delivered message"),
        _("Opens"),
    ]


def export_rows(figures: Iterable[Engagement]) -> Iterator[list[Any]]:
    for e in figures:
        yield [
            e.subject,
            e.sent_at.isoformat() if e.sent_at else "",
            e.recipients,
            e.delivered,
            e.bounced,
            e.failed,
            e.clicks,
            e.click_rate,
            e.opens,
        ]


def progress(newsletter: Newsletter) -> dict[str, int]:
    """Sent so far (sent or since bounced, and failed) out of the deliveries queued."""
    counts = dict(
        newsletter.deliveries.values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    total = sum(counts.values())
    done = counts.get(DeliveryStatus.SENT, 0) + counts.get(DeliveryStatus.BOUNCED, 0)
    return {"total": total, "sent": done, "failed": counts.get(DeliveryStatus.FAILED, 0)}
