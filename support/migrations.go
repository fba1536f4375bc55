package support

import (
	"time"

	"github.com/fsc/backoffice/internal/db"
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

func init() {
	db.Register(&gormigrate.Migration{
		ID:      "202611220400_support_core",
		Migrate: migrateSupport,
		Rollback: func(tx *gorm.DB) error {
			return tx.Migrator().DropTable("ticket_emails", "email_routes", "ticket_idempotency_keys", "ticket_links",
				"ticket_alarms", "ticket_attachments", "ticket_comments", "ticket_events", "tickets", "sla_policies")
		},
	})
}

// returnRow names orders' returns table for a foreign key ("return" is no Go name).
type returnRow struct{ ID int64 }

func (returnRow) TableName() string { return "returns" }

const activeSQL = "status NOT IN ('resolved','closed')"

func migrateSupport(tx *gorm.DB) error {
	type member struct{ ID int64 }
	type device struct{ ID int64 }
	type product struct{ ID int64 }
	type order struct{ ID int64 }
	type slaPolicy struct {
		Priority             string `gorm:"primaryKey;check:chk_sla_priority,priority IN ('low','normal','high','critical')"`
		FirstResponseMinutes int    `gorm:"not null;check:chk_sla_first,first_response_minutes BETWEEN 1 AND 525600"`
		ResolutionMinutes    int    `gorm:"not null;check:chk_sla_resolution,resolution_minutes BETWEEN 1 AND 525600"`
		Calendar             string `gorm:"not null;check:chk_sla_calendar,calendar IN ('business','24x7')"`
		UpdatedBy            string `gorm:"not null;default:''"`
		UpdatedAt            time.Time
	}
	// Vendors live in the contracts domain's vendor tables, not on every branch yet:
	// vendor_id has no foreign key here (the vendors migration may add one).
	type ticket struct {
		ID                int64   `gorm:"primaryKey"`
		Number            string  `gorm:"not null;uniqueIndex"`
		Status            string  `gorm:"not null;check:chk_tickets_status,status IN ('new','open','pending','escalated','resolved','closed')"`
		MemberID          int64   `gorm:"not null"`
		Member            *member `gorm:"constraint:OnDelete:RESTRICT"`
		Channel           string  `gorm:"not null;check:chk_tickets_channel,channel IN ('phone','email','portal','api')"`
		Category          string  `gorm:"not null;check:chk_tickets_category,category IN ('device_fault','delivery','pickup','usage','other')"`
		Priority          string  `gorm:"not null;check:chk_tickets_priority,priority IN ('low','normal','high','critical')"`
		Subject           string  `gorm:"not null"`
		Description       string  `gorm:"type:text;not null;default:''"`
		DeviceID          *int64
		Device            *device `gorm:"constraint:OnDelete:RESTRICT"`
		Serial            *string
		CitizenRef        *string
		ContactName       string    `gorm:"not null;default:''"`
		ContactPhone      string    `gorm:"not null;default:''"`
		ContactEmail      string    `gorm:"not null;default:''"`
		ReceivedAt        time.Time `gorm:"not null;index"`
		AlarmKind         *string
		VendorID          *int64
		VendorRef         string `gorm:"not null;default:''"`
		EscalatedAt       *time.Time
		OLADue            *time.Time `gorm:"column:ola_due"`
		ClosedAt          *time.Time
		Calendar          string    `gorm:"not null;check:chk_tickets_calendar,calendar IN ('business','24x7')"`
		FirstResponseDue  time.Time `gorm:"not null"`
		ResolutionDue     time.Time `gorm:"not null"`
		FirstResponseWarn time.Time `gorm:"not null"`
		ResolutionWarn    time.Time `gorm:"not null"`
		FirstResponseAt   *time.Time
		ResolvedAt        *time.Time `gorm:"check:chk_tickets_resolved,(status IN ('resolved','closed')) = (resolved_at IS NOT NULL)"`
		PausedSince       *time.Time `gorm:"check:chk_tickets_paused,(status = 'pending') = (paused_since IS NOT NULL)"`
		PausedMinutes     int        `gorm:"not null;default:0"`
		NextDueAt         time.Time  `gorm:"not null"`
		SLACheckAt        *time.Time `gorm:"column:sla_check_at"`
		SLAMarks          int        `gorm:"column:sla_marks;not null;default:0"`
		CreatedBy         string     `gorm:"not null"`
		CreatedAt         time.Time  `gorm:"not null"`
		UpdatedAt         time.Time  `gorm:"not null"`
	}
	type ticketEvent struct {
		ID         int64     `gorm:"primaryKey"`
		TicketID   int64     `gorm:"not null;index:idx_ticket_events,priority:1"`
		Ticket     *ticket   `gorm:"constraint:OnDelete:CASCADE"`
		At         time.Time `gorm:"not null"`
		Actor      string    `gorm:"not null"`
		Role       string    `gorm:"not null"`
		Action     string    `gorm:"not null"`
		FromStatus string    `gorm:"not null;default:''"`
		ToStatus   string    `gorm:"not null;default:''"`
		Note       string    `gorm:"type:text;not null;default:''"`
	}
	type ticketComment struct {
		ID         int64   `gorm:"primaryKey"`
		TicketID   int64   `gorm:"not null;index:idx_ticket_comments,priority:1"`
		Ticket     *ticket `gorm:"constraint:OnDelete:CASCADE"`
		Author     string  `gorm:"not null"`
		AuthorRole string  `gorm:"not null"`
		AuthorID   *int64
		Body       string    `gorm:"type:text;not null"`
		Internal   bool      `gorm:"not null;default:false"`
		Source     string    `gorm:"not null;default:'api'"`
		At         time.Time `gorm:"not null"`
	}
	type ticketAttachment struct {
		ID          int64   `gorm:"primaryKey"`
		TicketID    int64   `gorm:"not null;index"`
		Ticket      *ticket `gorm:"constraint:OnDelete:CASCADE"`
		CommentID   *int64
		Comment     *ticketComment `gorm:"constraint:OnDelete:SET NULL"`
		Filename    string         `gorm:"not null"`
		ContentType string         `gorm:"not null"`
		Size        int64          `gorm:"not null;check:chk_attachment_size,size >= 0"`
		SHA256      string         `gorm:"column:sha256;not null"`
		Data        []byte         `gorm:"not null"`
		Internal    bool           `gorm:"not null;default:false"`
		CreatedBy   string         `gorm:"not null"`
		CreatedAt   time.Time      `gorm:"not null"`
	}
	type ticketAlarm struct {
		ID         int64     `gorm:"primaryKey"`
		TicketID   int64     `gorm:"not null;index:idx_ticket_alarms,priority:1"`
		Ticket     *ticket   `gorm:"constraint:OnDelete:CASCADE"`
		DeviceID   int64     `gorm:"not null;index:idx_alarms_device,priority:1"`
		Device     *device   `gorm:"constraint:OnDelete:RESTRICT"`
		Serial     string    `gorm:"not null"`
		Kind       string    `gorm:"not null"`
		Severity   string    `gorm:"not null;check:chk_alarm_severity,severity IN ('info','warning','critical')"`
		OccurredAt time.Time `gorm:"not null;index:idx_alarms_device,priority:2"`
		Message    string    `gorm:"type:text;not null;default:''"`
		CreatedBy  string    `gorm:"not null"`
		CreatedAt  time.Time `gorm:"not null"`
	}
	type ticketLink struct {
		ID        int64      `gorm:"primaryKey"`
		TicketID  int64      `gorm:"not null;uniqueIndex:uq_ticket_links_device,priority:1"`
		Ticket    *ticket    `gorm:"constraint:OnDelete:CASCADE"`
		DeviceID  int64      `gorm:"not null;uniqueIndex:uq_ticket_links_device,priority:2"`
		Device    *device    `gorm:"constraint:OnDelete:RESTRICT"`
		ProductID int64      `gorm:"not null"`
		Product   *product   `gorm:"constraint:OnDelete:RESTRICT"`
		OrderID   int64      `gorm:"not null;index"`
		Order     *order     `gorm:"constraint:OnDelete:RESTRICT"`
		ReturnID  int64      `gorm:"not null;index"`
		Return    *returnRow `gorm:"foreignKey:ReturnID;constraint:OnDelete:RESTRICT"`
		CreatedBy string     `gorm:"not null"`
		CreatedAt time.Time
	}
	type ticketIdempotencyKey struct {
		ID          int64   `gorm:"primaryKey"`
		Scope       string  `gorm:"not null;uniqueIndex:uq_ticket_idem,priority:1"`
		Key         string  `gorm:"not null;uniqueIndex:uq_ticket_idem,priority:2"`
		RequestHash string  `gorm:"not null"`
		TicketID    int64   `gorm:"not null"`
		Ticket      *ticket `gorm:"constraint:OnDelete:CASCADE"`
		CreatedAt   time.Time
	}
	type emailRoute struct {
		ID        int64   `gorm:"primaryKey"`
		MemberID  int64   `gorm:"not null;index"`
		Member    *member `gorm:"constraint:OnDelete:CASCADE"`
		Pattern   string  `gorm:"not null;uniqueIndex"`
		CreatedBy string  `gorm:"not null"`
		CreatedAt time.Time
	}
	type ticketEmail struct {
		ID         int64   `gorm:"primaryKey"`
		MessageKey string  `gorm:"not null;uniqueIndex"`
		TicketID   int64   `gorm:"not null;index"`
		Ticket     *ticket `gorm:"constraint:OnDelete:CASCADE"`
		CommentID  *int64
		Created    bool   `gorm:"not null"`
		FromAddr   string `gorm:"not null"`
		CreatedAt  time.Time
	}
	if err := db.CreateTables(tx,
		db.Table{Name: "sla_policies", Model: &slaPolicy{}}, db.Table{Name: "tickets", Model: &ticket{}},
		db.Table{Name: "ticket_events", Model: &ticketEvent{}}, db.Table{Name: "ticket_comments", Model: &ticketComment{}},
		db.Table{Name: "ticket_attachments", Model: &ticketAttachment{}}, db.Table{Name: "ticket_alarms", Model: &ticketAlarm{}},
		db.Table{Name: "ticket_links", Model: &ticketLink{}}, db.Table{Name: "ticket_idempotency_keys", Model: &ticketIdempotencyKey{}},
		db.Table{Name: "email_routes", Model: &emailRoute{}}, db.Table{Name: "ticket_emails", Model: &ticketEmail{}},
	); err != nil {
		return err
	}
	// The queue pages by (next_due_at, id) after each filter; every filter the list
	// offers has an index that ends in those two, so the first page is an index range.
	for _, idx := range []string{
		"CREATE INDEX idx_tickets_queue ON tickets (next_due_at, id)",
		"CREATE INDEX idx_tickets_active_queue ON tickets (next_due_at, id) WHERE " + activeSQL,
		"CREATE INDEX idx_tickets_status_queue ON tickets (status, next_due_at, id)",
		"CREATE INDEX idx_tickets_priority_queue ON tickets (priority, next_due_at, id)",
		"CREATE INDEX idx_tickets_category_queue ON tickets (category, next_due_at, id)",
		"CREATE INDEX idx_tickets_member_queue ON tickets (member_id, next_due_at, id)",
		"CREATE INDEX idx_tickets_vendor_queue ON tickets (vendor_id, next_due_at, id) WHERE vendor_id IS NOT NULL",
		"CREATE INDEX idx_tickets_device_queue ON tickets (device_id, next_due_at, id) WHERE device_id IS NOT NULL",
		"CREATE INDEX idx_tickets_citizen ON tickets (citizen_ref, next_due_at, id) WHERE citizen_ref IS NOT NULL",
		"CREATE INDEX idx_tickets_sla_check ON tickets (sla_check_at) WHERE sla_check_at IS NOT NULL",
		// One open ticket per device and alarm kind: racing alarms cannot open two.
		"CREATE UNIQUE INDEX uq_tickets_open_alarm ON tickets (device_id, alarm_kind) WHERE alarm_kind IS NOT NULL AND " + activeSQL,
	} {
		if err := tx.Exec(idx).Error; err != nil {
			return err
		}
	}
	now := time.Now().UTC()
	for _, p := range DefaultPolicies {
		if err := tx.Table("sla_policies").Create(&slaPolicy{Priority: string(p.Priority), FirstResponseMinutes: p.FirstResponseMinutes,
			ResolutionMinutes: p.ResolutionMinutes, Calendar: p.Calendar, UpdatedBy: "migration", UpdatedAt: now}).Error; err != nil {
			return err
		}
	}
	return nil
}
