"""What the buttons of classes carry: `cls:` on people's class cards and reminders, `clss:` on
staff's roster (staff only, routed in classes/staff.py)."""

from __future__ import annotations

from handlers.payloads import Payload, Tail


class ShowClass(Payload, prefix="cls", verb="show"):
    class_id: int


class ClassCalendar(Payload, prefix="cls", verb="ics"):
    """«Thêm vào lịch»: the class as an .ics file."""

    class_id: int


class Enrol(Payload, prefix="cls", verb="enrol"):
    class_id: int


class Leave(Payload, prefix="cls", verb="leave"):
    """«Tôi không đi được»: asks before giving the seat back."""

    class_id: int


class LeaveConfirmed(Payload, prefix="cls", verb="leave_yes"):
    class_id: int


class Stay(Payload, prefix="cls", verb="leave_no"):
    class_id: int


class FilterClasses(Payload, prefix="cls", verb="list"):
    """A filter under the list of classes: 'tinh' (my province) or a topic; none: all."""

    filter: Tail | None = None


class ClassGone(Payload, prefix="cls"):
    """A class button that reads as none of the above: forged, or cut short."""

    rest: Tail | None = None


class Publish(Payload, prefix="clss", verb="publish"):
    class_id: int


class Announce(Payload, prefix="clss", verb="announce"):
    class_id: int


class Attendance(Payload, prefix="clss", verb="att"):
    """The attendance sheet, a page at a time (the roster's button carries no page)."""

    class_id: int
    page: int | None = None


class MarkAttendance(Payload, prefix="clss", verb="mark"):
    enrolment_id: int
    page: int


class AllPresent(Payload, prefix="clss", verb="allin"):
    class_id: int


class RosterCsv(Payload, prefix="clss", verb="csv"):
    class_id: int


class RosterXlsx(Payload, prefix="clss", verb="xlsx"):
    class_id: int


class Certificates(Payload, prefix="clss", verb="cert"):
    """Who attended, as a CSV for certificates."""

    class_id: int


class PosterQr(Payload, prefix="clss", verb="qr"):
    class_id: int


class CancelClass(Payload, prefix="clss", verb="cancel"):
    """Asks first."""

    class_id: int


class CancelConfirmed(Payload, prefix="clss", verb="cancel_yes"):
    class_id: int


class Reschedule(Payload, prefix="clss", verb="edit_start"):
    class_id: int


class ChangePlace(Payload, prefix="clss", verb="edit_place"):
    class_id: int


class ChangeCapacity(Payload, prefix="clss", verb="edit_capacity"):
    class_id: int


class ChangeDuration(Payload, prefix="clss", verb="edit_duration"):
    class_id: int


class StaffClassGone(Payload, prefix="clss"):
    """A staff class button that reads as none of the above."""

    rest: Tail | None = None
