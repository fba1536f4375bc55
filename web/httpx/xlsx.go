package httpx

import (
	"fmt"
	"strings"
	"time"

	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/web/i18n"
	"github.com/gofiber/fiber/v2"
	"github.com/xuri/excelize/v2"
)

// SendXLSX answers a workbook with one sheet: a bold header row with an autofilter, and
// rows, streamed so a long list does not build a document tree in memory. A time
// (time.Time, *time.Time) is an Excel date and time, its minute in Copenhagen; a
// civil.Date an Excel date: both sort and filter as dates in Excel, not as text.
func SendXLSX(c *fiber.Ctx, filename, sheet string, header []string, rows [][]any) error {
	f := excelize.NewFile()
	defer f.Close()
	if len(sheet) > 31 {
		sheet = sheet[:31]
	}
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	if len(header) > 0 {
		last, _ := excelize.CoordinatesToCellName(len(header), len(rows)+1)
		if err := f.AutoFilter(sheet, "A1:"+last, nil); err != nil {
			return err
		}
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	dayFmt, minuteFmt := "yyyy-mm-dd", "yyyy-mm-dd hh:mm"
	day, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dayFmt})
	if err != nil {
		return err
	}
	minute, err := f.NewStyle(&excelize.Style{CustomNumFmt: &minuteFmt})
	if err != nil {
		return err
	}
	head := make([]any, len(header))
	for i, h := range header {
		head[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	if err := sw.SetRow("A1", head); err != nil {
		return err
	}
	for i, r := range rows {
		out := make([]any, len(r))
		for j, v := range r {
			out[j] = xlsxCell(v, day, minute)
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, out); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+filename+`"`)
	return f.Write(c.Response().BodyWriter())
}

// xlsxCell is v as a cell: times and dates as Excel dates in the style day or minute
// (Excel has no time zones: a time is written as its wall clock in Copenhagen), an
// empty cell for a zero or nil one, anything else as it is.
func xlsxCell(v any, day, minute int) any {
	switch x := v.(type) {
	case *time.Time:
		if x == nil {
			return nil
		}
		return xlsxCell(*x, day, minute)
	case time.Time:
		if x.IsZero() {
			return nil
		}
		w := x.In(civil.Copenhagen)
		return excelize.Cell{StyleID: minute, Value: time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), 0, 0, time.UTC)}
	case civil.Date:
		if x.IsZero() {
			return nil
		}
		t, err := time.Parse("2006-01-02", x.String())
		if err != nil {
			return x.String()
		}
		return excelize.Cell{StyleID: day, Value: t}
	}
	return v
}

// Column is one column of a list, said once for both the HTML table of its page and
// its Excel download.
type Column[T any] struct {
	Header string      // message key of the header
	Value  func(T) any // the cell: text, a whole number, a date or time
	// Class is the CSS class of the column's HTML cells, not of its header ("mono").
	Class string
	// Num right-aligns the column, header and cells, as numbers are.
	Num bool
	// Link, when set, makes the HTML cell a link to the path it returns.
	Link func(T) string
}

// Cell is one cell of an HTML table: its text, link and class.
type Cell struct{ Text, Href, Class string }

// Table is a list as the "table" partial of package ui shows it.
type Table struct {
	Head []Cell
	Rows [][]Cell
}

// TableOf lays items out in cols, in the language l: numbers with thousands points,
// times in Copenhagen.
func TableOf[T any](l i18n.Lang, cols []Column[T], items []T) Table {
	t := Table{Head: make([]Cell, len(cols))}
	for i, col := range cols {
		t.Head[i] = Cell{Text: l.T(col.Header)}
		if col.Num {
			t.Head[i].Class = "num"
		}
	}
	for _, it := range items {
		row := make([]Cell, len(cols))
		for i, col := range cols {
			row[i] = Cell{Text: cellText(col.Value(it)), Class: col.Class}
			if col.Num {
				row[i].Class = strings.TrimSpace(col.Class + " num")
			}
			if col.Link != nil {
				row[i].Href = col.Link(it)
			}
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// SendColumns answers items in cols as a workbook of one sheet; numbers stay numbers
// and dates dates.
func SendColumns[T any](c *fiber.Ctx, l i18n.Lang, filename, sheet string, cols []Column[T], items []T) error {
	header := make([]string, len(cols))
	for i, col := range cols {
		header[i] = l.T(col.Header)
	}
	rows := make([][]any, len(items))
	for i, it := range items {
		rows[i] = make([]any, len(cols))
		for j, col := range cols {
			v := col.Value(it)
			if !isInt(v) && !isTime(v) {
				v = cellText(v)
			}
			rows[i][j] = v
		}
	}
	return SendXLSX(c, filename, sheet, header, rows)
}

func isInt(v any) bool {
	switch v.(type) {
	case int, int32, int64:
		return true
	}
	return false
}

func isTime(v any) bool {
	switch v.(type) {
	case time.Time, *time.Time, civil.Date:
		return true
	}
	return false
}

func cellText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int:
		return i18n.Number(int64(x))
	case int32:
		return i18n.Number(int64(x))
	case int64:
		return i18n.Number(x)
	case time.Time, *time.Time, civil.Date:
		return i18n.Date(x)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}
