package reports

import (
	"time"

	"github.com/fsc/backoffice/internal/db"
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

func init() {
	db.Register(&gormigrate.Migration{
		ID:      "202612022300_reports_billing",
		Migrate: migrateBilling,
		Rollback: func(tx *gorm.DB) error {
			if err := dropFreeze(tx); err != nil {
				return err
			}
			return tx.Migrator().DropTable("billing_exports", "billing_device_days", "billing_unbilled", "billing_lines",
				"billing_statements", "billing_adjustments", "billing_runs", "cost_pools", "allocation_key_fixed", "allocation_keys")
		},
	})
}

func migrateBilling(tx *gorm.DB) error {
	type member struct{ ID int64 }
	type scheme struct{ ID int64 }
	type allocationKey struct {
		ID             int64  `gorm:"primaryKey"`
		Code           string `gorm:"not null;uniqueIndex"`
		Name           string `gorm:"not null"`
		WInhabitants   int64  `gorm:"column:w_inhabitants;not null;default:0;check:chk_key_w1,w_inhabitants >= 0"`
		WInhabitants65 int64  `gorm:"column:w_inhabitants_65_plus;not null;default:0;check:chk_key_w2,w_inhabitants_65_plus >= 0"`
		WUsage         int64  `gorm:"column:w_usage;not null;default:0;check:chk_key_w3,w_usage >= 0"`
		WEqual         int64  `gorm:"column:w_equal;not null;default:0;check:chk_key_w4,w_equal >= 0"`
		CreatedBy      string `gorm:"not null"`
		CreatedAt      time.Time
	}
	type allocationKeyFixed struct {
		KeyID    int64          `gorm:"primaryKey"`
		Key      *allocationKey `gorm:"foreignKey:KeyID;constraint:OnDelete:CASCADE"`
		MemberID int64          `gorm:"primaryKey"`
		Member   *member        `gorm:"constraint:OnDelete:RESTRICT"`
		ShareBP  int64          `gorm:"column:share_bp;not null;check:chk_key_share,share_bp >= 0 AND share_bp <= 10000"`
	}
	type costPool struct {
		ID              int64          `gorm:"primaryKey"`
		SchemeID        int64          `gorm:"not null"`
		Scheme          *scheme        `gorm:"constraint:OnDelete:RESTRICT"`
		Period          string         `gorm:"type:varchar(7);not null;index:idx_pools_period,priority:1"`
		Name            string         `gorm:"not null"`
		AmountOre       int64          `gorm:"not null"`
		AllocationKeyID int64          `gorm:"not null"`
		AllocationKey   *allocationKey `gorm:"constraint:OnDelete:RESTRICT"`
		CreatedBy       string         `gorm:"not null"`
		CreatedAt       time.Time
	}
	type billingRun struct {
		ID           int64  `gorm:"primaryKey"`
		Period       string `gorm:"type:varchar(7);not null;index:idx_runs_period,priority:1"`
		Status       string `gorm:"not null;check:chk_runs_status,status IN ('computing','draft','finalized','failed')"`
		TotalOre     int64  `gorm:"not null;default:0"`
		Computations int    `gorm:"not null;default:0"`
		Error        string `gorm:"not null;default:''"`
		CreatedBy    string `gorm:"not null"`
		CreatedAt    time.Time
		ComputedAt   *time.Time
		FinalizedAt  *time.Time
		FinalizedBy  string `gorm:"not null;default:''"`
	}
	type billingAdjustment struct {
		ID            int64   `gorm:"primaryKey"`
		MemberID      int64   `gorm:"not null"`
		Member        *member `gorm:"constraint:OnDelete:RESTRICT"`
		Period        string  `gorm:"type:varchar(7);not null;index:idx_adj_period,priority:1"`
		AmountOre     int64   `gorm:"not null"`
		Description   string  `gorm:"not null"`
		CorrectsRunID *int64
		CorrectsRun   *billingRun `gorm:"foreignKey:CorrectsRunID;constraint:OnDelete:RESTRICT"`
		CreatedBy     string      `gorm:"not null"`
		CreatedAt     time.Time
	}
	type billingStatement struct {
		RunID    int64       `gorm:"primaryKey"`
		Run      *billingRun `gorm:"foreignKey:RunID;constraint:OnDelete:CASCADE"`
		MemberID int64       `gorm:"primaryKey;index"`
		Member   *member     `gorm:"constraint:OnDelete:RESTRICT"`
		TotalOre int64       `gorm:"not null"`
		Lines    int         `gorm:"not null"`
	}
	type billingLine struct {
		ID           int64       `gorm:"primaryKey"`
		RunID        int64       `gorm:"not null;index:idx_lines_run_member,priority:1"`
		Run          *billingRun `gorm:"foreignKey:RunID;constraint:OnDelete:CASCADE"`
		MemberID     int64       `gorm:"not null;index:idx_lines_run_member,priority:2"`
		Seq          int         `gorm:"not null;index:idx_lines_run_member,priority:3"`
		Kind         string      `gorm:"not null;check:chk_lines_kind,kind IN ('usage','event','consumable','shared','adjustment')"`
		SchemeID     *int64
		ContractID   *int64
		ProductID    *int64
		CostPoolID   *int64
		AdjustmentID *int64
		Event        string `gorm:"not null;default:''"`
		Description  string `gorm:"not null"`
		Quantity     int64  `gorm:"not null"`
		UnitOre      int64  `gorm:"not null"`
		AmountOre    int64  `gorm:"not null"`
		Basis        string `gorm:"type:text;not null;default:'{}'"`
	}
	type billingUnbilled struct {
		ID         int64       `gorm:"primaryKey"`
		RunID      int64       `gorm:"not null;index"`
		Run        *billingRun `gorm:"foreignKey:RunID;constraint:OnDelete:CASCADE"`
		Seq        int         `gorm:"not null"`
		Kind       string      `gorm:"not null"`
		MemberID   *int64
		ProductID  *int64
		SchemeID   *int64
		CostPoolID *int64
		Event      string `gorm:"not null;default:''"`
		Quantity   int64  `gorm:"not null"`
		Reason     string `gorm:"not null"`
	}
	type billingDeviceDays struct {
		RunID     int64       `gorm:"primaryKey"`
		Run       *billingRun `gorm:"foreignKey:RunID;constraint:OnDelete:CASCADE"`
		DeviceID  int64       `gorm:"primaryKey"`
		MemberID  int64       `gorm:"primaryKey"`
		ProductID int64       `gorm:"not null"`
		Days      int64       `gorm:"not null"`
	}
	type billingExport struct {
		RunID     int64       `gorm:"primaryKey"`
		Run       *billingRun `gorm:"foreignKey:RunID;constraint:OnDelete:CASCADE"`
		Name      string      `gorm:"primaryKey"` // "workbook" or "invoice:<member_id>"
		Data      []byte      `gorm:"not null"`
		CreatedAt time.Time
	}
	if err := db.CreateTables(tx,
		db.Table{Name: "allocation_keys", Model: &allocationKey{}}, db.Table{Name: "allocation_key_fixed", Model: &allocationKeyFixed{}},
		db.Table{Name: "cost_pools", Model: &costPool{}}, db.Table{Name: "billing_runs", Model: &billingRun{}},
		db.Table{Name: "billing_adjustments", Model: &billingAdjustment{}}, db.Table{Name: "billing_statements", Model: &billingStatement{}},
		db.Table{Name: "billing_lines", Model: &billingLine{}}, db.Table{Name: "billing_unbilled", Model: &billingUnbilled{}},
		db.Table{Name: "billing_device_days", Model: &billingDeviceDays{}}, db.Table{Name: "billing_exports", Model: &billingExport{}},
	); err != nil {
		return err
	}
	for _, s := range []string{
		// At most one finalised run per period: the database says so, not only the service.
		"CREATE UNIQUE INDEX uq_runs_finalized_period ON billing_runs (period) WHERE status = 'finalized'",
		"CREATE INDEX idx_runs_id ON billing_runs (id)",
		"CREATE INDEX idx_pools_period_id ON cost_pools (period, id)",
	} {
		if err := tx.Exec(s).Error; err != nil {
			return err
		}
	}
	return createFreeze(tx)
}

// frozenChildren are the tables whose rows belong to a run (column run_id) and may not
// change once it is finalised.
var frozenChildren = []string{"billing_lines", "billing_statements", "billing_unbilled", "billing_device_days"}

// createFreeze installs the triggers that refuse any change to a finalised run: its
// row (no update, no delete) and the rows of frozenChildren (no insert, update or
// delete). They hold for any SQL through the application's own database role.
func createFreeze(tx *gorm.DB) error {
	var stmts []string
	if db.DialectOf(tx) == db.Postgres {
		stmts = append(stmts, `CREATE FUNCTION billing_refuse_finalized_run() RETURNS trigger AS $$
BEGIN
  IF OLD.status = 'finalized' THEN
    RAISE EXCEPTION 'billing run % is finalized and cannot change', OLD.id USING ERRCODE = 'check_violation';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql`,
			`CREATE FUNCTION billing_refuse_finalized_child() RETURNS trigger AS $$
DECLARE rid bigint;
BEGIN
  IF TG_OP = 'INSERT' THEN rid := NEW.run_id; ELSE rid := OLD.run_id; END IF;
  IF EXISTS (SELECT 1 FROM billing_runs WHERE id = rid AND status = 'finalized')
     OR (TG_OP = 'UPDATE' AND EXISTS (SELECT 1 FROM billing_runs WHERE id = NEW.run_id AND status = 'finalized')) THEN
    RAISE EXCEPTION 'billing run % is finalized and its lines cannot change', rid USING ERRCODE = 'check_violation';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql`,
			`CREATE TRIGGER trg_billing_runs_frozen BEFORE UPDATE OR DELETE ON billing_runs FOR EACH ROW EXECUTE FUNCTION billing_refuse_finalized_run()`)
		for _, t := range frozenChildren {
			stmts = append(stmts, "CREATE TRIGGER trg_"+t+"_frozen BEFORE INSERT OR UPDATE OR DELETE ON "+t+
				" FOR EACH ROW EXECUTE FUNCTION billing_refuse_finalized_child()")
		}
	} else {
		stmts = append(stmts,
			`CREATE TRIGGER trg_billing_runs_frozen_u BEFORE UPDATE ON billing_runs FOR EACH ROW WHEN OLD.status = 'finalized'
BEGIN SELECT RAISE(ABORT, 'billing run is finalized and cannot change'); END`,
			`CREATE TRIGGER trg_billing_runs_frozen_d BEFORE DELETE ON billing_runs FOR EACH ROW WHEN OLD.status = 'finalized'
BEGIN SELECT RAISE(ABORT, 'billing run is finalized and cannot change'); END`)
		for _, t := range frozenChildren {
			stmts = append(stmts,
				"CREATE TRIGGER trg_"+t+"_frozen_i BEFORE INSERT ON "+t+" FOR EACH ROW WHEN (SELECT status FROM billing_runs WHERE id = NEW.run_id) = 'finalized'"+
					" BEGIN SELECT RAISE(ABORT, 'billing run is finalized and its lines cannot change'); END",
				"CREATE TRIGGER trg_"+t+"_frozen_u BEFORE UPDATE ON "+t+" FOR EACH ROW WHEN (SELECT status FROM billing_runs WHERE id = OLD.run_id) = 'finalized'"+
					" OR (SELECT status FROM billing_runs WHERE id = NEW.run_id) = 'finalized'"+
					" BEGIN SELECT RAISE(ABORT, 'billing run is finalized and its lines cannot change'); END",
				"CREATE TRIGGER trg_"+t+"_frozen_d BEFORE DELETE ON "+t+" FOR EACH ROW WHEN (SELECT status FROM billing_runs WHERE id = OLD.run_id) = 'finalized'"+
					" BEGIN SELECT RAISE(ABORT, 'billing run is finalized and its lines cannot change'); END")
		}
	}
	return db.ExecAll(tx, stmts...)
}

func dropFreeze(tx *gorm.DB) error {
	if db.DialectOf(tx) != db.Postgres {
		return nil // SQLite drops a table's triggers with it
	}
	for _, s := range []string{"DROP FUNCTION IF EXISTS billing_refuse_finalized_child() CASCADE", "DROP FUNCTION IF EXISTS billing_refuse_finalized_run() CASCADE"} {
		if err := tx.Exec(s).Error; err != nil {
			return err
		}
	}
	return nil
}
