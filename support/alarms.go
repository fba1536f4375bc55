package support

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/inventory"
	"github.com/fsc/backoffice/orders"
)

// Severity is how bad a device platform says an alarm is.
type Severity string

// The severities, and the ticket priority each opens with.
const (
	SeverityInfo     Severity = "info"
	SeverityWarning  Severity = "warning"
	SeverityCritical Severity = "critical"
)

const alarmSubject = "Alarm %s from %s %s"

var severityPriority = map[Severity]Priority{SeverityCritical: Critical, SeverityWarning: High, SeverityInfo: Normal}

// AlarmInput is the body of POST /alarms.
type AlarmInput struct {
	Serial     string     `json:"serial"`
	Kind       string     `json:"kind"`
	Severity   Severity   `json:"severity"`
	OccurredAt *time.Time `json:"occurred_at"`
	Message    string     `json:"message,omitempty"`
}

// Alarm is one alarm a device platform raised, kept with the ticket it opened or was
// attached to.
type Alarm struct {
	ID         int64     `json:"id" gorm:"primaryKey"`
	TicketID   int64     `json:"ticket_id"`
	DeviceID   int64     `json:"device_id"`
	Serial     string    `json:"serial"`
	Kind       string    `json:"kind"`
	Severity   Severity  `json:"severity"`
	OccurredAt time.Time `json:"occurred_at"`
	Message    string    `json:"message"`
	CreatedBy  string    `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
}

// TableName keeps the table name stable.
func (Alarm) TableName() string { return "ticket_alarms" }

// AlarmResult is the answer to an alarm: the ticket it went to and whether it opened it.
type AlarmResult struct {
	TicketID int64  `json:"ticket_id"`
	Number   string `json:"number"`
	Created  bool   `json:"created"`
	AlarmID  int64  `json:"alarm_id"`
}

var kindRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:-]*$`)

// RaiseAlarm takes an alarm for a deployed device (support, admin; an API token of a
// device platform). While the device has a ticket for the same kind that is neither
// resolved nor closed, the alarm is attached to it (Created false); otherwise it opens
// one: channel api, category device_fault, priority from the severity, received when
// the alarm occurred, for the member and citizen holding the device. Alarms racing for
// one device and kind open one ticket: a unique index allows one open ticket per pair,
// and the losers attach to the winner's.
//
// It returns NotFound for an unknown serial, and Invalid naming serial for a device
// that is not deployed (or a serial two deployed devices share), and each bad field.
func (s *Service) RaiseAlarm(ctx context.Context, in AlarmInput) (*AlarmResult, error) {
	if _, err := auth.Require(ctx, alarmists...); err != nil {
		return nil, err
	}
	in.Serial, in.Kind, in.Message = strings.TrimSpace(in.Serial), strings.TrimSpace(in.Kind), normaliseText(in.Message)
	now := s.now()
	var fe apperr.Fields
	checkText(&fe, "serial", in.Serial, true, 64, false)
	switch {
	case in.Kind == "":
		fe.Add("kind", apperr.Required, "is required")
	case len(in.Kind) > MaxAlarmKind:
		fe.Add("kind", apperr.TooLong, "must be at most %d characters", MaxAlarmKind)
	case !kindRE.MatchString(in.Kind):
		fe.Add("kind", apperr.CodeChars, "may contain only letters, digits, '.', '_', ':' and '-'")
	}
	if _, ok := severityPriority[in.Severity]; !ok {
		fe.Add("severity", apperr.OneOf, "must be one of %s", "info, warning, critical")
	}
	if in.OccurredAt == nil {
		fe.Add("occurred_at", apperr.Required, "is required")
	} else {
		checkReceived(&fe, "occurred_at", micro(*in.OccurredAt), now)
	}
	checkText(&fe, "message", in.Message, false, MaxAlarmText, true)
	if err := fe.Err(); err != nil {
		return nil, err
	}
	d, err := s.alarmDevice(ctx, in.Serial)
	if err != nil {
		return nil, err
	}
	a := &Alarm{DeviceID: d.ID, Serial: d.Serial, Kind: in.Kind, Severity: in.Severity, OccurredAt: micro(*in.OccurredAt),
		Message: in.Message, CreatedBy: principalOf(ctx).Name, CreatedAt: now}
	// A lost race shows as a unique violation; the retry then finds the winner's ticket.
	for attempt := 0; ; attempt++ {
		res, err := s.takeAlarm(ctx, d, a)
		if err == nil || !db.IsUniqueViolation(err) || attempt == 4 {
			return res, err
		}
		a.ID = 0
	}
}

// alarmDevice finds the deployed device with serial: NotFound if no device has it.
func (s *Service) alarmDevice(ctx context.Context, serial string) (*inventory.Device, error) {
	ds, err := s.Devices.FindBySerial(ctx, serial)
	if err != nil {
		return nil, err
	}
	if len(ds) == 0 {
		return nil, apperr.NotFound("no device with serial %s", serial)
	}
	var deployed []inventory.Device
	for _, d := range ds {
		if d.State == inventory.Deployed && d.MemberID != nil {
			deployed = append(deployed, d)
		}
	}
	switch len(deployed) {
	case 0:
		return nil, apperr.Invalid(apperr.Field("serial", orders.CodeNotDeployed, "device %s is %s, not deployed", ds[0].Serial, ds[0].State))
	case 1:
		return &deployed[0], nil
	}
	return nil, apperr.Invalid(apperr.Field("serial", CodeSerialTwice, "more than one deployed device has serial %s", serial))
}

// takeAlarm attaches a to the open ticket of its device and kind, or opens one, in one
// transaction.
func (s *Service) takeAlarm(ctx context.Context, d *inventory.Device, a *Alarm) (*AlarmResult, error) {
	var out *AlarmResult
	err := db.WithTx(ctx, func(ctx context.Context) error {
		var t Ticket
		err := db.Conn(ctx).Where("device_id = ? AND alarm_kind = ? AND "+activeSQL, d.ID, a.Kind).Take(&t).Error
		switch {
		case err == nil:
			out = &AlarmResult{TicketID: t.ID, Number: t.Number}
		case db.IsNotFound(err):
			nt := alarmTicket(d, a)
			if err := s.open(ctx, nt); err != nil {
				return err
			}
			out = &AlarmResult{TicketID: nt.ID, Number: nt.Number, Created: true}
		default:
			return fmt.Errorf("open ticket of device %d: %w", d.ID, err)
		}
		a.TicketID = out.TicketID
		if err := db.Conn(ctx).Create(a).Error; err != nil {
			return fmt.Errorf("store alarm: %w", err)
		}
		out.AlarmID = a.ID
		return audit.Record(ctx, "alarm", "ticket", a.TicketID, nil, a)
	})
	return out, err
}

func alarmTicket(d *inventory.Device, a *Alarm) *Ticket {
	kind := a.Kind
	subject := fmt.Sprintf(alarmSubject, a.Kind, d.SKU, d.Serial)
	if r := []rune(subject); len(r) > MaxSubject {
		subject = string(r[:MaxSubject])
	}
	return &Ticket{Status: New, MemberID: *d.MemberID, Channel: API, Category: DeviceFault,
		Priority: severityPriority[a.Severity], Subject: subject, Description: a.Message,
		DeviceID: &d.ID, Serial: &a.Serial, CitizenRef: d.CitizenRef, ReceivedAt: a.OccurredAt, AlarmKind: &kind,
		CreatedBy: a.CreatedBy, CreatedAt: a.CreatedAt, UpdatedAt: a.CreatedAt}
}
