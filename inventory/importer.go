package inventory

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/xuri/excelize/v2"
)

// ParseDevices reads a device list from r, a .csv or .xlsx file as filename's extension
// says, and calls fn for every data row with the trimmed cells of the columns sku and
// serial, in file order; it stops at the first error of fn and returns it.
//
// The first non-blank row is the header: it must name the columns sku and serial (any
// case, any order); other columns are ignored, and so are blank rows. row is the row
// number a person sees when opening the file in Excel: the header is row 1 when
// nothing stands above it, and blank rows count.
//
// A CSV file is UTF-8 (a byte order mark is tolerated) separated by commas or
// semicolons, whichever the header line uses. A workbook is read from its first sheet,
// streamed. An unknown extension, an unreadable file or a missing header is Invalid
// naming the field "file".
func ParseDevices(r io.Reader, filename string, fn func(row int, sku, serial string) error) error {
	return ParseDeviceRows(r, filename, func(d DeviceRow) error { return fn(d.Row, d.SKU, d.Serial) })
}

// DeviceRow is one data row of a device file: Row as ParseDevices numbers it and the
// trimmed cells. The opening balance shape (Opening) also has member_code, citizen_ref
// and deployed_on.
type DeviceRow struct {
	Row                                int
	SKU, Serial                        string
	MemberCode, CitizenRef, DeployedOn string
	Opening                            bool
}

// ParseDeviceRows is ParseDevices for both file shapes: sku and serial (a delivery), or
// sku, serial, member_code, citizen_ref and deployed_on (the opening balance of devices
// already at citizens). A header with some but not all of the last three is Invalid.
func ParseDeviceRows(r io.Reader, filename string, fn func(DeviceRow) error) error {
	switch fileKind(filename) {
	case ".csv":
		return parseCSV(r, fn)
	case ".xlsx":
		return parseXLSX(r, fn)
	}
	return fileInvalid(CodeFileKind, "must be a .csv or .xlsx file; %q is neither", truncate(filename, 100))
}

// fileKind returns the lower-case extension of filename: ".csv", ".xlsx" or another.
func fileKind(filename string) string {
	i := strings.LastIndexByte(filename, '.')
	if i < 0 {
		return ""
	}
	return strings.ToLower(strings.TrimSpace(filename[i:]))
}

func fileInvalid(code apperr.Code, format string, args ...any) error {
	return apperr.Invalid(apperr.Field("file", code, format, args...))
}

// columns locates sku and serial, and those of the opening balance, in a header row.
type columns struct{ sku, serial, member, citizen, since int }

func (c columns) opening() bool { return c.member >= 0 }

func headerColumns(row int, cells []string) (columns, error) {
	c := columns{sku: -1, serial: -1, member: -1, citizen: -1, since: -1}
	for i, h := range cells {
		var at *int
		switch strings.ToLower(strings.TrimSpace(h)) {
		case "sku":
			at = &c.sku
		case "serial":
			at = &c.serial
		case "member_code":
			at = &c.member
		case "citizen_ref":
			at = &c.citizen
		case "deployed_on":
			at = &c.since
		default:
			continue
		}
		if *at >= 0 {
			return c, fileInvalid(CodeFileHeaderTwice, "row %d: the header names column %s twice", row, strings.ToLower(strings.TrimSpace(h)))
		}
		*at = i
	}
	if c.sku < 0 || c.serial < 0 {
		found := make([]string, 0, len(cells))
		for _, h := range cells {
			if h = strings.TrimSpace(h); h != "" {
				found = append(found, truncate(h, 40))
			}
		}
		if len(found) > 10 {
			found = append(found[:10], "…")
		}
		return c, fileInvalid(CodeFileHeader, "row %d must be the header naming the columns sku and serial; it has %s", row, strings.Join(found, ", "))
	}
	if n := btoi(c.member >= 0) + btoi(c.citizen >= 0) + btoi(c.since >= 0); n > 0 && n < 3 {
		var found []string
		for _, h := range cells {
			if h = strings.TrimSpace(h); h != "" {
				found = append(found, truncate(h, 40))
			}
		}
		return c, fileInvalid(CodeFileHeader, "row %d: an opening balance names all of member_code, citizen_ref and deployed_on; it has %s",
			row, strings.Join(found, ", "))
	}
	return c, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (c columns) row(row int, cells []string) DeviceRow {
	cell := func(i int) string {
		if i >= 0 && i < len(cells) {
			return strings.TrimSpace(cells[i])
		}
		return ""
	}
	return DeviceRow{Row: row, SKU: cell(c.sku), Serial: cell(c.serial), MemberCode: cell(c.member),
		CitizenRef: cell(c.citizen), DeployedOn: cell(c.since), Opening: c.opening()}
}

func blankRow(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

func parseCSV(r io.Reader, fn func(DeviceRow) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	if b, _ := br.Peek(3); bytes.Equal(b, utf8BOM) {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.Comma = sniffDelimiter(br)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	var col columns
	header := false
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return fileInvalid(CodeFileRowUnreadable, "line %d: %v", pe.Line, pe.Err)
			}
			return fileInvalid(CodeFileUnreadable, "could not be read: %v", err)
		}
		if blankRow(rec) {
			continue
		}
		line, _ := cr.FieldPos(0)
		if !header {
			if col, err = headerColumns(line, rec); err != nil {
				return err
			}
			header = true
			continue
		}
		if err := fn(col.row(line, rec)); err != nil {
			return err
		}
	}
	if !header {
		return fileInvalid(CodeFileEmpty, "is empty; its first row must name the columns sku and serial")
	}
	return nil
}

// sniffDelimiter returns ';' when the first non-blank line (the header) holds more
// semicolons than commas, else ','.
func sniffDelimiter(br *bufio.Reader) rune {
	b, _ := br.Peek(br.Size())
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if bytes.Count(line, []byte{';'}) > bytes.Count(line, []byte{','}) {
			return ';'
		}
		return ','
	}
	return ','
}

// xlsxOptions bound what a workbook may unpack to.
var xlsxOptions = excelize.Options{UnzipSizeLimit: 200 << 20, RawCellValue: true}

func parseXLSX(r io.Reader, fn func(DeviceRow) error) (err error) {
	var f *excelize.File
	if err := safely(func() (err error) { f, err = excelize.OpenReader(r, xlsxOptions); return err }); err != nil {
		return fileInvalid(CodeNotXLSX, "is not a readable Excel workbook (.xlsx): %v", err)
	}
	defer f.Close()
	var rows *excelize.Rows
	err = safely(func() error {
		sheets := f.GetSheetList()
		if len(sheets) == 0 {
			return errors.New("it has no sheet")
		}
		var err error
		rows, err = f.Rows(sheets[0])
		return err
	})
	if err != nil {
		return fileInvalid(CodeNotXLSX, "is not a readable Excel workbook (.xlsx): %v", err)
	}
	defer rows.Close()
	var col columns
	header := false
	for row := 1; ; row++ {
		var more bool
		var cells []string
		err := safely(func() error {
			if more = rows.Next(); !more {
				return rows.Error()
			}
			var err error
			cells, err = rows.Columns()
			return err
		})
		if err != nil {
			return fileInvalid(CodeFileRowUnreadable, "row %d could not be read: %v", row, err)
		}
		if !more {
			break
		}
		if blankRow(cells) {
			continue
		}
		if !header {
			if col, err = headerColumns(row, cells); err != nil {
				return err
			}
			header = true
			continue
		}
		if err := fn(col.row(row, cells)); err != nil {
			return err
		}
	}
	if !header {
		return fileInvalid(CodeFileEmpty, "is empty; its first row must name the columns sku and serial")
	}
	return nil
}

// safely runs f, turning a panic inside the workbook reader (a damaged file) into an
// error.
func safely(f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("damaged workbook (%v)", p)
		}
	}()
	return f()
}
