package reports

import (
	"github.com/fsc/backoffice/internal/db"
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// The freeze of 202612022300_reports_billing (createFreeze) left three ways to change a
// finalised run with plain SQL: TRUNCATE on PostgreSQL (it fires no row triggers), its
// exports and the adjustments it carried. This migration closes them.
//
// What it cannot close: the role that owns the tables can DROP or ALTER (DISABLE) the
// triggers, or drop the tables. The production deployment is expected to run
// `fsc serve` and `fsc worker` under a role that does not own the tables (nor holds
// TRUNCATE or TRIGGER on them), and `fsc migrate` under the owner; see the README's
// production topology. The triggers hold for whatever SQL the application's role sends.
func init() {
	db.Register(&gormigrate.Migration{
		ID:       "202612100100_reports_freeze_exports_adjustments",
		Migrate:  createFreezeMore,
		Rollback: dropFreezeMore,
	})
}

// truncateGuarded are the tables a TRUNCATE may not empty while any finalised run exists.
var truncateGuarded = append([]string{"billing_runs", "billing_exports", "billing_adjustments"}, frozenChildren...)

// createFreezeMore installs:
//   - billing_exports: the export of a finalised run is written once. An INSERT is
//     accepted only for a finalised run whose workbook row is not there yet (ExportRun
//     writes each invoice, then the workbook last, in one transaction; the workbook
//     row is what marks an export written, as export_ready does); no UPDATE or DELETE
//     of a finalised run's rows. So no export exists for a run that is not finalised,
//     and nothing is added to, changed in or taken from one once written.
//   - billing_adjustments: no INSERT, UPDATE or DELETE of an adjustment whose period
//     (before or after an UPDATE) has a finalised run; the service refuses the INSERT
//     first with 409, this is the database saying it too.
//   - PostgreSQL: BEFORE TRUNCATE triggers on every frozen table (truncateGuarded)
//     refusing while any finalised run exists. SQLite has no TRUNCATE, and its
//     DELETE without WHERE fires the row triggers.
func createFreezeMore(tx *gorm.DB) error {
	var stmts []string
	if db.DialectOf(tx) == db.Postgres {
		stmts = append(stmts, `CREATE FUNCTION billing_refuse_finalized_export() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NOT EXISTS (SELECT 1 FROM billing_runs WHERE id = NEW.run_id AND status = 'finalized') THEN
      RAISE EXCEPTION 'billing run % is not finalized; only a finalized run has exports', NEW.run_id USING ERRCODE = 'check_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM billing_exports WHERE run_id = NEW.run_id AND name = 'workbook') THEN
      RAISE EXCEPTION 'the export of billing run % is written and cannot change', NEW.run_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
  END IF;
  IF EXISTS (SELECT 1 FROM billing_runs WHERE id = OLD.run_id AND status = 'finalized')
     OR (TG_OP = 'UPDATE' AND EXISTS (SELECT 1 FROM billing_runs WHERE id = NEW.run_id AND status = 'finalized')) THEN
    RAISE EXCEPTION 'the export of billing run % is written and cannot change', OLD.run_id USING ERRCODE = 'check_violation';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql`,
			`CREATE FUNCTION billing_refuse_finalized_adjustment() RETURNS trigger AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND EXISTS (SELECT 1 FROM billing_runs WHERE period = OLD.period AND status = 'finalized') THEN
    RAISE EXCEPTION 'the billing run of % is finalized and its adjustments cannot change', OLD.period USING ERRCODE = 'check_violation';
  END IF;
  IF TG_OP <> 'DELETE' AND EXISTS (SELECT 1 FROM billing_runs WHERE period = NEW.period AND status = 'finalized') THEN
    RAISE EXCEPTION 'the billing run of % is finalized and its adjustments cannot change', NEW.period USING ERRCODE = 'check_violation';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql`,
			`CREATE FUNCTION billing_refuse_truncate() RETURNS trigger AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM billing_runs WHERE status = 'finalized') THEN
    RAISE EXCEPTION '% holds rows of finalized billing runs and cannot be truncated', TG_TABLE_NAME USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql`,
			`CREATE TRIGGER trg_billing_exports_frozen BEFORE INSERT OR UPDATE OR DELETE ON billing_exports FOR EACH ROW EXECUTE FUNCTION billing_refuse_finalized_export()`,
			`CREATE TRIGGER trg_billing_adjustments_frozen BEFORE INSERT OR UPDATE OR DELETE ON billing_adjustments FOR EACH ROW EXECUTE FUNCTION billing_refuse_finalized_adjustment()`)
		for _, t := range truncateGuarded {
			stmts = append(stmts, "CREATE TRIGGER trg_"+t+"_no_truncate BEFORE TRUNCATE ON "+t+" FOR EACH STATEMENT EXECUTE FUNCTION billing_refuse_truncate()")
		}
	} else {
		stmts = append(stmts,
			`CREATE TRIGGER trg_billing_exports_frozen_i BEFORE INSERT ON billing_exports FOR EACH ROW
WHEN (SELECT status FROM billing_runs WHERE id = NEW.run_id) IS NOT 'finalized'
  OR EXISTS (SELECT 1 FROM billing_exports WHERE run_id = NEW.run_id AND name = 'workbook')
BEGIN SELECT RAISE(ABORT, 'only a finalized billing run has exports, written once'); END`,
			`CREATE TRIGGER trg_billing_exports_frozen_u BEFORE UPDATE ON billing_exports FOR EACH ROW
WHEN (SELECT status FROM billing_runs WHERE id = OLD.run_id) = 'finalized' OR (SELECT status FROM billing_runs WHERE id = NEW.run_id) = 'finalized'
BEGIN SELECT RAISE(ABORT, 'the export of a finalized billing run is written and cannot change'); END`,
			`CREATE TRIGGER trg_billing_exports_frozen_d BEFORE DELETE ON billing_exports FOR EACH ROW
WHEN (SELECT status FROM billing_runs WHERE id = OLD.run_id) = 'finalized'
BEGIN SELECT RAISE(ABORT, 'the export of a finalized billing run is written and cannot change'); END`,
			`CREATE TRIGGER trg_billing_adjustments_frozen_i BEFORE INSERT ON billing_adjustments FOR EACH ROW
WHEN EXISTS (SELECT 1 FROM billing_runs WHERE period = NEW.period AND status = 'finalized')
BEGIN SELECT RAISE(ABORT, 'the billing run of the period is finalized and its adjustments cannot change'); END`,
			`CREATE TRIGGER trg_billing_adjustments_frozen_u BEFORE UPDATE ON billing_adjustments FOR EACH ROW
WHEN EXISTS (SELECT 1 FROM billing_runs WHERE period = OLD.period AND status = 'finalized')
  OR EXISTS (SELECT 1 FROM billing_runs WHERE period = NEW.period AND status = 'finalized')
BEGIN SELECT RAISE(ABORT, 'the billing run of the period is finalized and its adjustments cannot change'); END`,
			`CREATE TRIGGER trg_billing_adjustments_frozen_d BEFORE DELETE ON billing_adjustments FOR EACH ROW
WHEN EXISTS (SELECT 1 FROM billing_runs WHERE period = OLD.period AND status = 'finalized')
BEGIN SELECT RAISE(ABORT, 'the billing run of the period is finalized and its adjustments cannot change'); END`)
	}
	return db.ExecAll(tx, stmts...)
}

func dropFreezeMore(tx *gorm.DB) error {
	var stmts []string
	if db.DialectOf(tx) == db.Postgres {
		// CASCADE drops the triggers with their functions.
		stmts = []string{"DROP FUNCTION IF EXISTS billing_refuse_finalized_export() CASCADE",
			"DROP FUNCTION IF EXISTS billing_refuse_finalized_adjustment() CASCADE",
			"DROP FUNCTION IF EXISTS billing_refuse_truncate() CASCADE"}
	} else {
		for _, t := range []string{"billing_exports", "billing_adjustments"} {
			for _, op := range []string{"i", "u", "d"} {
				stmts = append(stmts, "DROP TRIGGER IF EXISTS trg_"+t+"_frozen_"+op)
			}
		}
	}
	return db.ExecAll(tx, stmts...)
}
