package reports

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/inventory"
)

// Run statuses.
const (
	RunComputing = "computing"
	RunDraft     = "draft"
	RunFinalized = "finalized"
	RunFailed    = "failed"
)

// Line kinds, in the order a statement lists them.
const (
	KindUsage      = "usage"
	KindEvent      = "event"
	KindConsumable = "consumable"
	KindShared     = "shared"
	KindAdjustment = "adjustment"
)

var kindOrder = map[string]int{KindUsage: 0, KindEvent: 1, KindConsumable: 2, KindShared: 3, KindAdjustment: 4}

// CodeRunFinalized is the conflict of a change to a month whose run is finalised (no
// args). CodeRunState is the conflict of a run in the wrong state (its state).
var (
	CodeRunFinalized = apperr.NewCode("billing_run_finalized") // the period, (the run id)
	CodeRunState     = apperr.NewCode("billing_run_state")     // the run id, its status
)

// Run is a billing run of a month.
type Run struct {
	ID           int64      `json:"id" gorm:"primaryKey"`
	Period       string     `json:"period"`
	Status       string     `json:"status"`
	TotalOre     int64      `json:"total_ore"`
	Computations int        `json:"computations"`
	Error        string     `json:"error,omitempty"`
	CreatedBy    string     `json:"created_by"`
	CreatedAt    time.Time  `json:"created_at"`
	ComputedAt   *time.Time `json:"computed_at"`
	FinalizedAt  *time.Time `json:"finalized_at"`
	FinalizedBy  string     `json:"finalized_by,omitempty"`

	Statements []StatementSummary `json:"statements" gorm:"-"`
	Unbilled   []Unbilled         `json:"unbilled" gorm:"-"`
	// ExportReady is true once the workbook and the invoices of a finalised run are
	// written.
	ExportReady bool `json:"export_ready" gorm:"-"`
}

// TableName keeps the table name stable.
func (Run) TableName() string { return "billing_runs" }

// StatementSummary is one member's total in a run.
type StatementSummary struct {
	RunID      int64  `json:"-" gorm:"primaryKey"`
	MemberID   int64  `json:"member_id" gorm:"primaryKey"`
	MemberCode string `json:"member_code" gorm:"-"`
	MemberName string `json:"member_name" gorm:"-"`
	TotalOre   int64  `json:"total_ore"`
	Lines      int    `json:"lines"`
}

// TableName keeps the table name stable.
func (StatementSummary) TableName() string { return "billing_statements" }

// Line is one line of a member's statement, with what it was computed from: the
// contract and price (usage, events, consumables), the pool, key and figures
// (shared), the adjustment; Basis holds the details as JSON.
type Line struct {
	ID           int64    `json:"-" gorm:"primaryKey"`
	RunID        int64    `json:"-"`
	MemberID     int64    `json:"-"`
	Seq          int      `json:"-"`
	Kind         string   `json:"kind"`
	SchemeID     *int64   `json:"scheme_id"`
	ContractID   *int64   `json:"contract_id"`
	ProductID    *int64   `json:"product_id"`
	CostPoolID   *int64   `json:"cost_pool_id"`
	AdjustmentID *int64   `json:"adjustment_id"`
	Event        string   `json:"event,omitempty"`
	Description  string   `json:"description"`
	Quantity     int64    `json:"quantity"`
	UnitOre      int64    `json:"unit_ore"`
	AmountOre    int64    `json:"amount_ore"`
	Basis        JSONText `json:"basis"`

	// DescriptionCode and DescriptionArgs are Description as Words, for the pages; ""
	// on a line computed before codes.
	DescriptionCode string         `json:"-"`
	DescriptionArgs inventory.Args `json:"-"`
}

// TableName keeps the table name stable.
func (Line) TableName() string { return "billing_lines" }

// JSONText is JSON held as text in the database and sent as it is.
type JSONText string

// MarshalJSON sends the text as JSON ({} when empty).
func (j JSONText) MarshalJSON() ([]byte, error) {
	if j == "" {
		return []byte("{}"), nil
	}
	return []byte(j), nil
}

func jsonOf(v any) JSONText {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("reports: basis: %v", err)) // plain maps and numbers only
	}
	return JSONText(b)
}

// Statement is one member's statement of a run: its lines add up to TotalOre.
type Statement struct {
	RunID      int64  `json:"run_id"`
	MemberID   int64  `json:"member_id"`
	MemberCode string `json:"member_code"`
	MemberName string `json:"member_name"`
	Period     string `json:"period"`
	Status     string `json:"status"`
	TotalOre   int64  `json:"total_ore"`
	Lines      []Line `json:"lines"`
}

// Unbilled is something a run could not bill: device-days of a product no contract of
// the member prices, an event with no price, a pool that could not be split.
type Unbilled struct {
	ID         int64  `json:"-" gorm:"primaryKey"`
	RunID      int64  `json:"-"`
	Seq        int    `json:"-"`
	Kind       string `json:"kind"` // usage, event, consumable, shared
	MemberID   *int64 `json:"member_id"`
	ProductID  *int64 `json:"product_id"`
	SchemeID   *int64 `json:"scheme_id"`
	CostPoolID *int64 `json:"cost_pool_id"`
	Event      string `json:"event,omitempty"`
	Quantity   int64  `json:"quantity"`
	Reason     string `json:"reason"`
	// ReasonCode and ReasonArgs are Reason as Words, for the pages; "" on an item
	// computed before codes.
	ReasonCode string         `json:"-"`
	ReasonArgs inventory.Args `json:"-"`
}

// TableName keeps the table name stable.
func (Unbilled) TableName() string { return "billing_unbilled" }

// deviceDaysRow is one device's device-days for one member in a run (the Devices sheet).
type deviceDaysRow struct {
	RunID     int64 `gorm:"primaryKey"`
	DeviceID  int64 `gorm:"primaryKey"`
	MemberID  int64 `gorm:"primaryKey"`
	ProductID int64
	Days      int64
}

func (deviceDaysRow) TableName() string { return "billing_device_days" }

// Adjustment is a credit (negative) or charge for a member, billed as an adjustment
// line by the run of its period.
type Adjustment struct {
	ID            int64     `json:"id" gorm:"primaryKey"`
	MemberID      int64     `json:"member_id"`
	Period        string    `json:"period"`
	AmountOre     int64     `json:"amount_ore"`
	Description   string    `json:"description"`
	CorrectsRunID *int64    `json:"corrects_run_id"`
	CreatedBy     string    `json:"created_by"`
	CreatedAt     time.Time `json:"created_at"`
}

// TableName keeps the table name stable.
func (Adjustment) TableName() string { return "billing_adjustments" }

// export is a file written for a finalised run.
type export struct {
	RunID     int64  `gorm:"primaryKey"`
	Name      string `gorm:"primaryKey"`
	Data      []byte
	CreatedAt time.Time
}

func (export) TableName() string { return "billing_exports" }

const workbookName = "workbook"

func invoiceName(memberID int64) string { return fmt.Sprintf("invoice:%d", memberID) }
