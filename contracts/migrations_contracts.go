package contracts

import (
	"fmt"
	"time"

	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// Dates are varchar(10) "YYYY-MM-DD" as in participations: they compare and sort as
// text on both dialects. A price's product_id names one of inventory's products without
// a foreign key, as users.member_id names a member: contracts' schema must not need
// inventory's tables (a binary or test with contracts alone migrates), so the service
// checks it through Service.Products.
func init() {
	db.Register(&gormigrate.Migration{
		ID:       "202612010100_contracts_vendors_contracts",
		Migrate:  migrateContracts,
		Rollback: func(tx *gorm.DB) error { return tx.Migrator().DropTable(contractTables...) },
	}, &gormigrate.Migration{
		ID:       "202612010110_contracts_member_figures",
		Migrate:  migrateFigures,
		Rollback: func(tx *gorm.DB) error { return tx.Migrator().DropTable("member_figures") },
	})
}

var contractTables = []any{"contract_documents", "contract_participants", "contract_prices", "contract_extensions", "contracts", "vendors"}

func migrateContracts(tx *gorm.DB) error {
	type vendor struct {
		ID        int64  `gorm:"primaryKey"`
		Name      string `gorm:"type:varchar(200);not null;index"`
		CVR       string `gorm:"column:cvr;type:varchar(8);not null;uniqueIndex:uq_vendors_cvr;check:chk_vendors_cvr,length(cvr) = 8"`
		Email     string `gorm:"type:varchar(254);not null;default:''"`
		Phone     string `gorm:"type:varchar(30);not null;default:''"`
		Contact   string `gorm:"type:varchar(200);not null;default:''"`
		CreatedAt time.Time
		UpdatedAt time.Time
	}
	type scheme struct{ ID int64 }
	type member struct{ ID int64 }
	type contract struct {
		ID                 int64   `gorm:"primaryKey"`
		Number             string  `gorm:"type:varchar(60);not null;uniqueIndex:uq_contracts_number"`
		Title              string  `gorm:"type:varchar(200);not null"`
		VendorID           int64   `gorm:"not null;index"`
		Vendor             *vendor `gorm:"constraint:OnDelete:RESTRICT"`
		SchemeID           *int64  `gorm:"index"`
		Scheme             *scheme `gorm:"constraint:OnDelete:RESTRICT"`
		TenderRef          string  `gorm:"type:varchar(100);not null;default:''"`
		StartsOn           string  `gorm:"type:varchar(10);not null;index"`
		EndsOn             string  `gorm:"type:varchar(10);not null;index;check:chk_contracts_term,ends_on >= starts_on"`
		NoticeMonths       int     `gorm:"not null;check:chk_contracts_notice,notice_months >= 0 AND notice_months <= 120"`
		NoticeDeadline     string  `gorm:"type:varchar(10);not null;index;check:chk_contracts_deadline,notice_deadline <= ends_on"`
		SLAResponseHours   *int    `gorm:"column:sla_response_hours;check:chk_contracts_sla_resp,sla_response_hours > 0"`
		SLAResolutionHours *int    `gorm:"column:sla_resolution_hours;check:chk_contracts_sla_res,(sla_response_hours IS NULL) = (sla_resolution_hours IS NULL) AND (sla_resolution_hours IS NULL OR sla_resolution_hours >= sla_response_hours)"`
		CreatedAt          time.Time
		UpdatedAt          time.Time
	}
	type extension struct {
		ID         int64     `gorm:"primaryKey"`
		ContractID int64     `gorm:"not null;uniqueIndex:uq_contract_ext_pos,priority:1"`
		Contract   *contract `gorm:"constraint:OnDelete:CASCADE"`
		Position   int       `gorm:"not null;uniqueIndex:uq_contract_ext_pos,priority:2;check:chk_contract_ext_pos,position > 0"`
		Months     int       `gorm:"not null;check:chk_contract_ext_months,months > 0 AND months <= 120"`
		UsedAt     *time.Time
		UsedBy     string  `gorm:"type:varchar(254);not null;default:''"`
		EndsBefore *string `gorm:"type:varchar(10)"`
		EndsAfter  *string `gorm:"type:varchar(10);check:chk_contract_ext_used,(used_at IS NULL) = (ends_after IS NULL)"`
	}
	type price struct {
		ID         int64     `gorm:"primaryKey"`
		ContractID int64     `gorm:"not null"`
		Contract   *contract `gorm:"constraint:OnDelete:CASCADE"`
		ProductID  *int64    `gorm:"index"`
		Kind       string    `gorm:"type:varchar(10);not null;check:chk_contract_prices_kind,(kind IN ('purchase','monthly') AND product_id IS NOT NULL AND event = '') OR (kind = 'event' AND event IN ('shipment','pickup','cleaning','ticket'))"`
		Event      string    `gorm:"type:varchar(10);not null;default:''"`
		AmountOre  int64     `gorm:"not null;check:chk_contract_prices_amount,amount_ore >= 0"`
		ValidFrom  string    `gorm:"type:varchar(10);not null"`
		CreatedAt  time.Time
		CreatedBy  string `gorm:"type:varchar(254);not null;default:''"`
	}
	type participant struct {
		ID         int64     `gorm:"primaryKey"`
		ContractID int64     `gorm:"not null;index:idx_contract_part,priority:1"`
		Contract   *contract `gorm:"constraint:OnDelete:CASCADE"`
		MemberID   int64     `gorm:"not null;index:idx_contract_part,priority:2;index:idx_contract_part_member"`
		Member     *member   `gorm:"constraint:OnDelete:RESTRICT"`
		JoinedOn   string    `gorm:"type:varchar(10);not null"`
		LeftOn     *string   `gorm:"type:varchar(10);check:chk_contract_part_period,left_on IS NULL OR left_on > joined_on"`
		CreatedAt  time.Time
	}
	type document struct {
		ID          int64     `gorm:"primaryKey"`
		ContractID  int64     `gorm:"not null;index"`
		Contract    *contract `gorm:"constraint:OnDelete:CASCADE"`
		Filename    string    `gorm:"type:varchar(200);not null"`
		ContentType string    `gorm:"type:varchar(100);not null"`
		SizeBytes   int64     `gorm:"not null;check:chk_contract_docs_size,size_bytes > 0"`
		SHA256      string    `gorm:"column:sha256;type:varchar(64);not null"`
		Content     []byte    `gorm:"not null"`
		CreatedAt   time.Time
		CreatedBy   string `gorm:"type:varchar(254);not null;default:''"`
	}
	err := db.CreateTables(tx,
		db.Table{Name: "vendors", Model: &vendor{}}, db.Table{Name: "contracts", Model: &contract{}},
		db.Table{Name: "contract_extensions", Model: &extension{}}, db.Table{Name: "contract_prices", Model: &price{}},
		db.Table{Name: "contract_participants", Model: &participant{}}, db.Table{Name: "contract_documents", Model: &document{}})
	if err != nil {
		return err
	}
	// One price per product (or none), kind, event and day: NULL product ids would be
	// distinct in a plain unique index on PostgreSQL, so the index takes COALESCE.
	return tx.Exec("CREATE UNIQUE INDEX uq_contract_prices ON contract_prices (contract_id, kind, COALESCE(product_id, 0), event, valid_from)").Error
}

// migrateFigures gives members figures valid from a date and moves each existing
// member's figures into one row valid from the day it was created.
func migrateFigures(tx *gorm.DB) error {
	type member struct{ ID int64 }
	type memberFigures struct {
		ID                int64   `gorm:"primaryKey"`
		MemberID          int64   `gorm:"not null;uniqueIndex:uq_member_figures_day,priority:1"`
		Member            *member `gorm:"constraint:OnDelete:CASCADE"`
		ValidFrom         string  `gorm:"type:varchar(10);not null;uniqueIndex:uq_member_figures_day,priority:2"`
		Inhabitants       int64   `gorm:"not null;check:chk_member_figures_inh,inhabitants >= 0"`
		Inhabitants65Plus *int64  `gorm:"column:inhabitants_65_plus;check:chk_member_figures_inh65,inhabitants_65_plus IS NULL OR (inhabitants_65_plus >= 0 AND inhabitants_65_plus <= inhabitants)"`
		CreatedAt         time.Time
	}
	if err := db.CreateTables(tx, db.Table{Name: "member_figures", Model: &memberFigures{}}); err != nil {
		return err
	}
	var ms []struct {
		ID                int64
		Inhabitants       int64
		Inhabitants65Plus int64 `gorm:"column:inhabitants_65_plus"`
		CreatedAt         time.Time
	}
	if err := tx.Table("members").Find(&ms).Error; err != nil {
		return fmt.Errorf("read members: %w", err)
	}
	now := time.Now().UTC()
	for _, m := range ms {
		f := memberFigures{MemberID: m.ID, ValidFrom: civil.Of(m.CreatedAt).String(), Inhabitants: m.Inhabitants,
			Inhabitants65Plus: &m.Inhabitants65Plus, CreatedAt: now}
		if err := tx.Table("member_figures").Create(&f).Error; err != nil {
			return fmt.Errorf("figures of member %d: %w", m.ID, err)
		}
	}
	return nil
}
