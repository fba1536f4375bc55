package inventory

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/jobs"
	"github.com/hibiken/asynq"
	"github.com/xuri/excelize/v2"
)

// TypeImportDevices is the background task that runs a queued import.
const TypeImportDevices = "inventory:import-devices"

// ImportPayload is the payload of TypeImportDevices.
type ImportPayload struct {
	ImportID int64 `json:"import_id"`
}

const (
	// ImportSyncRows is the most rows an import runs while the upload waits; larger
	// files are queued.
	ImportSyncRows = 10_000
	// MaxImportBytes bounds an uploaded file.
	MaxImportBytes = 50 << 20
	// progressEvery is how many rows pass between progress updates of a queued import.
	progressEvery = 2000
	// importErrorsShown is how many row errors GetImport lists; the workbook has all.
	importErrorsShown = 100
)

// Import statuses.
const (
	ImportQueued  = "queued"
	ImportRunning = "running"
	ImportDone    = "done"
	ImportFailed  = "failed"
)

// Import is one upload of a device file: run at once when small, else queued and run
// in the background, with its progress in RowsDone out of RowsTotal.
type Import struct {
	ID             int64      `json:"id" gorm:"primaryKey"`
	LocationID     int64      `json:"location_id"`
	Filename       string     `json:"filename"`
	Status         string     `json:"status"`
	RowsTotal      int        `json:"rows_total"`
	RowsDone       int        `json:"rows_done"`
	DevicesCreated int        `json:"devices_created"`
	ReceiptID      *int64     `json:"receipt_id"`
	Errors         string     `json:"-"` // JSON array of apperr.FieldError
	FileData       []byte     `json:"-"`
	CreatedBy      string     `json:"created_by"`
	CreatedAt      time.Time  `json:"created_at"`
	FinishedAt     *time.Time `json:"finished_at"`

	// ErrorCount is how many row errors a failed import has; ErrorList holds the first
	// of them (the workbook from ImportErrorsXLSX has all).
	ErrorCount int                 `json:"error_count" gorm:"-"`
	ErrorList  []apperr.FieldError `json:"errors" gorm:"-"`
	// Result is the answer of an import that ran at once.
	Result *ImportResult `json:"result,omitempty" gorm:"-"`
}

// TableName keeps the table name stable.
func (Import) TableName() string { return "imports" }

// StartImport takes an uploaded device file (logistics) for locationID. A file of at
// most ImportSyncRows rows is imported at once with ImportDevices, and the returned
// import is done (with Result) — or failed, returned together with the Invalid error
// that names every bad row (see ImportDevices) and nothing stored. A larger file is
// stored and queued in the same transaction as its TypeImportDevices task; HandleImport
// runs it. An unreadable file, one without rows or a bad location is Invalid without an
// import being recorded.
func (s *Service) StartImport(ctx context.Context, locationID int64, filename string, data []byte) (*Import, error) {
	p, err := auth.Require(ctx, auth.RoleLogistics)
	if err != nil {
		return nil, err
	}
	filename = cleanFilename(filename)
	var fe apperr.Fields
	if err := checkLocationField(ctx, locationID, &fe); err != nil {
		return nil, err
	}
	switch {
	case len(data) == 0:
		fe.Add("file", apperr.Required, "is empty")
	case len(data) > MaxImportBytes:
		fe.Add("file", apperr.TooLarge, "is larger than %d MB", MaxImportBytes>>20)
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	n, err := countDeviceRows(data, filename)
	if err != nil {
		return nil, err
	}
	imp := &Import{LocationID: locationID, Filename: filename, RowsTotal: n, CreatedBy: p.Name, CreatedAt: time.Now().UTC(), Errors: "[]"}
	if n <= ImportSyncRows {
		res, err := s.importDevices(ctx, importRun{actor: p.Name, locationID: locationID, filename: filename, src: bytes.NewReader(data),
			finish: func(ctx context.Context, res *ImportResult) error {
				now := time.Now().UTC()
				imp.Status, imp.RowsDone, imp.DevicesCreated, imp.ReceiptID, imp.FinishedAt = ImportDone, n, res.DevicesCreated, &res.ReceiptID, &now
				if err := db.Conn(ctx).Create(imp).Error; err != nil {
					return fmt.Errorf("record import: %w", err)
				}
				return nil
			}})
		if apperr.Is(err, apperr.KindInvalid) {
			now := time.Now().UTC()
			imp.ID, imp.Status, imp.RowsDone, imp.DevicesCreated, imp.ReceiptID, imp.FinishedAt = 0, ImportFailed, n, 0, nil, &now
			imp.setErrors(err)
			if rerr := db.Conn(ctx).Create(imp).Error; rerr != nil {
				return nil, fmt.Errorf("record failed import: %w", rerr)
			}
			return imp, err
		}
		if err != nil {
			return nil, err
		}
		imp.Result = res
		return imp, nil
	}
	imp.Status, imp.FileData = ImportQueued, data
	err = db.WithTx(ctx, func(ctx context.Context) error {
		if err := db.Conn(ctx).Create(imp).Error; err != nil {
			return fmt.Errorf("record import: %w", err)
		}
		return jobs.Later(ctx, TypeImportDevices, jobs.QueueDefault, ImportPayload{ImportID: imp.ID})
	})
	if err != nil {
		return nil, err
	}
	imp.FileData = nil
	return imp, nil
}

// countDeviceRows counts the data rows of a file, checking its form and header; more
// than MaxImportRows or none is Invalid.
func countDeviceRows(data []byte, filename string) (int, error) {
	n := 0
	err := ParseDevices(bytes.NewReader(data), filename, func(int, string, string) error {
		if n++; n > MaxImportRows {
			return fileInvalid(CodeFileTooManyRows, "holds more than %d devices; split it into several files", MaxImportRows)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, fileInvalid(CodeFileNoRows, "lists no devices below the header row")
	}
	return n, nil
}

// setErrors stores the field errors of err (or err's text under "file") and ErrorCount.
func (imp *Import) setErrors(err error) {
	var fs []apperr.FieldError
	var ae *apperr.Error
	if errors.As(err, &ae) && len(ae.Fields) > 0 {
		fs = ae.Fields
	} else {
		fs = []apperr.FieldError{{Field: "file", Message: err.Error()}}
	}
	b, _ := json.Marshal(fs)
	imp.Errors, imp.ErrorCount = string(b), len(fs)
	imp.ErrorList = fs[:min(len(fs), importErrorsShown)]
}

// errorList decodes the stored row errors.
func (imp *Import) errorList() []apperr.FieldError {
	var fs []apperr.FieldError
	if imp.Errors != "" {
		if err := json.Unmarshal([]byte(imp.Errors), &fs); err != nil {
			return []apperr.FieldError{{Field: "file", Message: "the stored errors are unreadable"}}
		}
	}
	return fs
}

func findImport(ctx context.Context, id int64, withFile bool) (*Import, error) {
	var imp Import
	q := db.Conn(ctx)
	if !withFile {
		q = q.Omit("file_data")
	}
	err := q.Take(&imp, id).Error
	if db.IsNotFound(err) {
		return nil, apperr.NotFound("import %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("find import %d: %w", id, err)
	}
	return &imp, nil
}

// GetImport returns import id with its progress, how many errors it has and the
// first of them (staff), or NotFound.
func (s *Service) GetImport(ctx context.Context, id int64) (*Import, error) {
	if _, err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	imp, err := findImport(ctx, id, false)
	if err != nil {
		return nil, err
	}
	fs := imp.errorList()
	imp.ErrorCount, imp.ErrorList = len(fs), fs[:min(len(fs), importErrorsShown)]
	if imp.ErrorList == nil {
		imp.ErrorList = []apperr.FieldError{}
	}
	return imp, nil
}

// ImportErrorsXLSX writes the errors of import id to w as a workbook with the columns
// row, field and message (staff); NotFound for an unknown import.
func (s *Service) ImportErrorsXLSX(ctx context.Context, id int64, w io.Writer) error {
	if _, err := auth.RequireStaff(ctx); err != nil {
		return err
	}
	imp, err := findImport(ctx, id, false)
	if err != nil {
		return err
	}
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "Errors"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	if err := sw.SetColWidth(3, 3, 80); err != nil {
		return err
	}
	head := []any{excelize.Cell{StyleID: bold, Value: "row"}, excelize.Cell{StyleID: bold, Value: "field"}, excelize.Cell{StyleID: bold, Value: "message"}}
	if err := sw.SetRow("A1", head); err != nil {
		return err
	}
	for i, fe := range imp.errorList() {
		var row any
		if n := rowOfField(fe.Field); n > 0 {
			row = n
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, []any{row, fe.Field, fe.Message}); err != nil {
			return fmt.Errorf("errors workbook: %w", err)
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("errors workbook: %w", err)
	}
	return f.Write(w)
}

// errImportTaken is the finish of an import that another run already finished.
var errImportTaken = errors.New("import finished by another run")

// HandleImport runs a queued import (task TypeImportDevices). It is idempotent: an
// import already done or failed is left alone, and the devices and the done status
// commit together. Rows that fail validation are a final state, failed with the row
// errors, and no retry; any other error is returned for asynq to retry, and the last
// retry marks the import failed.
func (s *Service) HandleImport(ctx context.Context, t *asynq.Task) error {
	var p ImportPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || p.ImportID <= 0 {
		return fmt.Errorf("import task payload %q: %w", t.Payload(), asynq.SkipRetry)
	}
	imp, err := findImport(ctx, p.ImportID, true)
	if apperr.Is(err, apperr.KindNotFound) {
		return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	}
	if err != nil {
		return err
	}
	if imp.Status == ImportDone || imp.Status == ImportFailed {
		return nil
	}
	conn := db.Conn(ctx)
	if err := conn.Model(&Import{}).Where("id = ? AND status IN ?", imp.ID, []string{ImportQueued, ImportRunning}).
		Updates(map[string]any{"status": ImportRunning, "rows_done": 0}).Error; err != nil {
		return fmt.Errorf("start import %d: %w", imp.ID, err)
	}
	// Progress goes outside the import's transaction, so that a page can poll it. SQLite
	// has one connection, held by that transaction: there progress waits for the end.
	root := db.Root(ctx)
	oneConn := db.DialectOf(root) == db.SQLite
	last := 0
	progress := func(done int, inTx bool) {
		milestone := done == imp.RowsTotal/2 || done == imp.RowsTotal // checked, stored
		if (inTx && oneConn) || done <= last || (done-last < progressEvery && !milestone) {
			return
		}
		last = done
		if err := root.WithContext(ctx).Model(&Import{}).Where("id = ?", imp.ID).Update("rows_done", done).Error; err != nil {
			slog.Warn("import progress", "import_id", imp.ID, "err", err)
		}
	}
	_, err = s.importDevices(ctx, importRun{actor: imp.CreatedBy, locationID: imp.LocationID, filename: imp.Filename,
		src: bytes.NewReader(imp.FileData), progress: progress,
		finish: func(ctx context.Context, res *ImportResult) error {
			r := db.Conn(ctx).Model(&Import{}).Where("id = ? AND status = ?", imp.ID, ImportRunning).Updates(map[string]any{
				"status": ImportDone, "rows_done": imp.RowsTotal, "devices_created": res.DevicesCreated,
				"receipt_id": res.ReceiptID, "finished_at": time.Now().UTC(), "file_data": nil, "errors": "[]"})
			if r.Error != nil {
				return fmt.Errorf("finish import %d: %w", imp.ID, r.Error)
			}
			if r.RowsAffected != 1 {
				return errImportTaken
			}
			return nil
		}})
	switch {
	case err == nil, errors.Is(err, errImportTaken):
		return nil
	case apperr.Is(err, apperr.KindInvalid):
		return s.failImport(ctx, imp, err)
	}
	retried, _ := asynq.GetRetryCount(ctx)
	if maxRetry, ok := asynq.GetMaxRetry(ctx); ok && retried >= maxRetry {
		slog.Error("import failed for good", "import_id", imp.ID, "err", err)
		if ferr := s.failImport(ctx, imp, apperr.Invalid(apperr.Field("file", CodeImportFailed, "the import failed repeatedly on the server; upload the file again"))); ferr != nil {
			slog.Warn("mark import failed", "import_id", imp.ID, "err", ferr)
		}
	}
	return fmt.Errorf("import %d: %w", imp.ID, err)
}

// failImport records that imp failed with the field errors of err.
func (s *Service) failImport(ctx context.Context, imp *Import, err error) error {
	imp.setErrors(err)
	r := db.Conn(ctx).Model(&Import{}).Where("id = ? AND status IN ?", imp.ID, []string{ImportQueued, ImportRunning}).Updates(map[string]any{
		"status": ImportFailed, "rows_done": imp.RowsTotal, "errors": imp.Errors, "finished_at": time.Now().UTC(), "file_data": nil})
	if r.Error != nil {
		return fmt.Errorf("fail import %d: %w", imp.ID, r.Error)
	}
	return nil
}
