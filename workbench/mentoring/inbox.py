"""The inbox: what waits for a person. Unread comments and replies on the threads they take part in, the
comments that mention them, and what is assigned to them (a mentor: plans waiting for their review; a
trainee: plans sent back with a note).

A person takes part in every thread on their own plans and, as a mentor, on their current mentees' plans.
Read markers (thread_reads) say how far each person has read each thread. The navigation's count is one
statement, whatever the number of threads.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import selectinload

from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.mentoring.models import CommentMention, CommentThread, ThreadComment, ThreadRead
from workbench.plans.models import BusinessPlan, PlanVersion
from workbench.plans.review import (
    WaitingPlan,
    count_sent_back_to,
    count_waiting_for_mentor,
    sent_back_to,
    waiting_for_mentor,
)
from workbench.programme.models import MentorAssignment

#: The inbox lists at most this many threads with news, and this many mentions (the newest).
THREADS_SHOWN = 50
MENTIONS_SHOWN = 20


def _taking_part(user: User):
    """A condition on BusinessPlan: the plans whose threads `user` takes part in."""
    clauses = [BusinessPlan.owner_id == user.id]
    if user.has_role(Role.MENTOR):
        mentees = select(MentorAssignment.trainee_id).where(
            MentorAssignment.mentor_id == user.id, MentorAssignment.ended_at.is_(None)
        )
        clauses.append(BusinessPlan.owner_id.in_(mentees))
    return or_(*clauses)


def _unread(user: User) -> Select:
    """The comments others wrote, on threads `user` takes part in, past their read marker: id, thread."""
    return (
        select(ThreadComment.id, ThreadComment.thread_id)
        .join(CommentThread, CommentThread.id == ThreadComment.thread_id)
        .join(BusinessPlan, BusinessPlan.id == CommentThread.plan_id)
        .outerjoin(ThreadRead, and_(ThreadRead.thread_id == CommentThread.id, ThreadRead.user_id == user.id))
        .where(
            ThreadComment.author_id != user.id,
            ThreadComment.id > func.coalesce(ThreadRead.last_comment_id, 0),
            _taking_part(user),
        )
    )


def inbox_count(user: User) -> int:
    """Unread comments plus what is assigned to the person, in one statement (the navigation's badge)."""
    counts = [select(func.count()).select_from(_unread(user).subquery()).scalar_subquery()]
    if user.has_role(Role.MENTOR):
        counts.append(count_waiting_for_mentor(user.id))
    if user.has_role(Role.TRAINEE):
        counts.append(count_sent_back_to(user.id))
    return sum(db.session.execute(select(*counts)).one())


@dataclass(frozen=True)
class UnreadThread:
    thread: CommentThread
    count: int
    newest: ThreadComment


def unread_threads(user: User) -> list[UnreadThread]:
    """The threads with comments `user` has not read, the most recent news first (three queries)."""
    unread = _unread(user).subquery()
    rows = db.session.execute(
        select(unread.c.thread_id, func.count().label("count"), func.max(unread.c.id).label("newest"))
        .group_by(unread.c.thread_id)
        .order_by(func.max(unread.c.id).desc())
        .limit(THREADS_SHOWN)
    ).all()
    if not rows:
        return []
    threads = {
        thread.id: thread
        for thread in db.session.scalars(
            _with_place(select(CommentThread).where(CommentThread.id.in_([row.thread_id for row in rows])))
        )
    }
    newest = {
        comment.id: comment
        for comment in db.session.scalars(
            select(ThreadComment)
            .where(ThreadComment.id.in_([row.newest for row in rows]))
            .options(selectinload(ThreadComment.author), selectinload(ThreadComment.mentions))
        )
    }
    return [UnreadThread(threads[row.thread_id], row.count, newest[row.newest]) for row in rows]


@dataclass(frozen=True)
class Mention:
    comment: ThreadComment
    unread: bool


def mentions_of(user: User) -> list[Mention]:
    """The newest comments that mention `user` on threads they take part in, each saying if it is unread."""
    mentioning = select(CommentMention.comment_id).where(CommentMention.user_id == user.id)
    rows = db.session.execute(
        select(ThreadComment, ThreadRead.last_comment_id)
        .join(CommentThread, CommentThread.id == ThreadComment.thread_id)
        .join(BusinessPlan, BusinessPlan.id == CommentThread.plan_id)
        .outerjoin(ThreadRead, and_(ThreadRead.thread_id == CommentThread.id, ThreadRead.user_id == user.id))
        .where(ThreadComment.id.in_(mentioning), _taking_part(user))
        .options(
            selectinload(ThreadComment.author),
            selectinload(ThreadComment.mentions),
            selectinload(ThreadComment.thread)
            .selectinload(CommentThread.plan)
            .selectinload(BusinessPlan.owner),
            selectinload(ThreadComment.thread)
            .selectinload(CommentThread.version)
            .load_only(PlanVersion.number),
        )
        .order_by(ThreadComment.id.desc())
        .limit(MENTIONS_SHOWN)
    ).all()
    return [Mention(comment, comment.id > (last or 0)) for comment, last in rows]


@dataclass(frozen=True)
class Assigned:
    to_review: list[WaitingPlan]
    sent_back: list[WaitingPlan]

    def __bool__(self) -> bool:
        return bool(self.to_review or self.sent_back)


def assigned_to(user: User) -> Assigned:
    """What waits for the person to act: a mentor's plans to review, a trainee's plans sent back."""
    return Assigned(
        to_review=waiting_for_mentor(user) if user.has_role(Role.MENTOR) else [],
        sent_back=sent_back_to(user) if user.has_role(Role.TRAINEE) else [],
    )


def _with_place(query):
    """A thread with what the inbox says about it: the plan and its owner, the version's number."""
    return query.options(
        selectinload(CommentThread.plan).selectinload(BusinessPlan.owner),
        selectinload(CommentThread.version).load_only(PlanVersion.number),
    )
