package inventory

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
	"gorm.io/gorm"
)

// NewReceipt is goods arriving at a location: per line either serials (serial-tracked
// products) or a quantity (consumables). Goods delivered under a contract name it: a
// line without a unit cost (0) then costs the contract's purchase price in force today.
type NewReceipt struct {
	LocationID int64            `json:"location_id"`
	ContractID *int64           `json:"contract_id"`
	Reference  string           `json:"reference"`
	Lines      []NewReceiptLine `json:"lines"`
}

// MaxUnitCostOre bounds a unit cost: one billion kroner, far above any device, far
// below what sums of many devices could overflow.
const MaxUnitCostOre = 100_000_000_000

// NewReceiptLine is one product on a receipt.
type NewReceiptLine struct {
	ProductID   int64    `json:"product_id"`
	Serials     []string `json:"serials" validate:"max=10000,dive,max=64"`
	Quantity    *int64   `json:"quantity" validate:"omitempty,lte=1000000"`
	UnitCostOre int64    `json:"unit_cost_ore" validate:"lte=100000000000"`
}

// MaxReceiptSerials bounds one receipt; larger deliveries go through the import.
const MaxReceiptSerials = 20000

var serialRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/:-]{0,63}$`)

// ValidSerial reports whether s is a well-formed serial: 1–64 letters, digits and
// . _ / : -, starting with a letter or digit.
func ValidSerial(s string) bool { return serialRE.MatchString(s) }

// CreateReceipt records goods arriving (logistics): all or nothing. It returns Invalid
// naming every bad row (unknown product, empty, malformed or duplicate serial, within
// the receipt or with existing devices, missing quantity; an unknown contract, a line
// without unit cost whose product the contract has no purchase price for) and stores
// nothing then.
func (s *Service) CreateReceipt(ctx context.Context, in NewReceipt) (*Receipt, error) {
	p, err := auth.Require(ctx, auth.RoleLogistics)
	if err != nil {
		return nil, err
	}
	in.Reference = strings.TrimSpace(in.Reference)
	var out *Receipt
	err = db.WithTx(ctx, func(ctx context.Context) error {
		products, err := s.checkReceipt(ctx, &in)
		if err != nil {
			return err
		}
		out, err = insertReceipt(ctx, p.Name, in, products)
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, "create", "receipt", out.ID, nil, map[string]any{
			"location_id": in.LocationID, "contract_id": in.ContractID, "reference": in.Reference, "lines": len(in.Lines),
			"devices_created": out.DevicesCreated}); err != nil {
			return err
		}
		ids := make([]int64, 0, len(in.Lines))
		for _, l := range in.Lines {
			ids = append(ids, l.ProductID)
		}
		return s.stockArrived(ctx, ids...)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// checkReceipt validates every line and serial and returns the products by id. Each
// serial is trimmed in place.
func (s *Service) checkReceipt(ctx context.Context, in *NewReceipt) (map[int64]*Product, error) {
	var fe apperr.Fields
	if in.LocationID <= 0 {
		fe.Add("location_id", apperr.Required, "is required")
	} else if _, err := findLocation(ctx, in.LocationID); apperr.Is(err, apperr.KindNotFound) {
		fe.Add("location_id", apperr.Unknown, "no location with id %d", in.LocationID)
	} else if err != nil {
		return nil, err
	}
	if len(in.Reference) > 200 {
		fe.Add("reference", apperr.TooLong, "must be at most %d characters", 200)
	}
	if len(in.Lines) == 0 {
		fe.Add("lines", apperr.Required, "at least one line is required")
	}
	products, err := productsByID(ctx, in.Lines)
	if err != nil {
		return nil, err
	}
	sc := newSerialCheck("receipt", receiptSerialField)
	total := 0
	for i := range in.Lines {
		l := &in.Lines[i]
		at := fmt.Sprintf("lines[%d]", i)
		pr := products[l.ProductID]
		switch {
		case l.ProductID <= 0:
			fe.Add(at+".product_id", apperr.Required, "is required")
			continue
		case pr == nil:
			fe.Add(at+".product_id", apperr.Unknown, "no product with id %d", l.ProductID)
			continue
		}
		switch {
		case l.UnitCostOre < 0:
			fe.Add(at+".unit_cost_ore", apperr.Negative, "must not be negative")
		case l.UnitCostOre > MaxUnitCostOre:
			fe.Add(at+".unit_cost_ore", apperr.TooLarge, "must be at most %d", MaxUnitCostOre)
		}
		if pr.Tracking == TrackQuantity {
			switch {
			case len(l.Serials) > 0:
				fe.Add(at+".serials", CodeTrackedByQuantity, "product %s is counted by quantity; send quantity, not serials", pr.SKU)
			case l.Quantity == nil || *l.Quantity <= 0:
				fe.Add(at+".quantity", apperr.NotPositive, "must be a positive whole number")
			case *l.Quantity > 1_000_000:
				fe.Add(at+".quantity", apperr.TooLarge, "must be at most %d", 1000000)
			}
			continue
		}
		if l.Quantity != nil {
			fe.Add(at+".quantity", CodeTrackedBySerial, "product %s is tracked by serial; list the serials instead", pr.SKU)
		}
		if len(l.Serials) == 0 {
			fe.Add(at+".serials", CodeSerialsRequired, "at least one serial is required for product %s", pr.SKU)
		}
		total += len(l.Serials)
		sc.line(&fe, i, l)
	}
	if total > MaxReceiptSerials {
		fe.Add("lines", apperr.TooMany, "a receipt holds at most %d serials; import larger deliveries from a file", MaxReceiptSerials)
	}
	// Every error at once: serials that exist already are named along with the others,
	// for each well-formed first occurrence.
	if total <= MaxReceiptSerials {
		for i, l := range in.Lines {
			var good []string
			var at []int
			for j, sn := range l.Serials {
				if sc.firstGood(i, j, sn) {
					good, at = append(good, sn), append(at, j)
				}
			}
			if len(good) == 0 {
				continue
			}
			if err := checkExisting(ctx, []NewReceiptLine{{ProductID: l.ProductID, Serials: good}}, &fe,
				func(_, k int) string { return receiptSerialField(i, at[k]) }); err != nil {
				return nil, err
			}
		}
	}
	if in.ContractID != nil {
		if err := s.contractCosts(ctx, in, products, &fe); err != nil {
			return nil, err
		}
	}
	return products, fe.Err()
}

// contractCosts gives each line of a receipt under a contract that has no unit cost the
// contract's purchase price in force today, and names the lines it has none for.
func (s *Service) contractCosts(ctx context.Context, in *NewReceipt, products map[int64]*Product, fe *apperr.Fields) error {
	today := civil.Today()
	for i := range in.Lines {
		l := &in.Lines[i]
		if l.UnitCostOre != 0 || products[l.ProductID] == nil {
			continue
		}
		cost, ok, err := s.Members.PurchasePrice(ctx, *in.ContractID, l.ProductID, today)
		switch {
		case apperr.Is(err, apperr.KindNotFound):
			fe.Add("contract_id", apperr.Unknown, "no contract with id %d", *in.ContractID)
			return nil
		case err != nil:
			return err
		case !ok:
			fe.Add(fmt.Sprintf("lines[%d].unit_cost_ore", i), contracts.CodeNoContractPrice,
				"contract %d has no purchase price for product %d on %s; give the unit cost", *in.ContractID, l.ProductID, today)
		default:
			l.UnitCostOre = cost
		}
	}
	return nil
}

// receiptSerialField names serial idx of receipt line i in field errors.
func receiptSerialField(i, idx int) string { return fmt.Sprintf("lines[%d].serials[%d]", i, idx) }

// serialProblem says what is wrong with the trimmed serial sn, or "" when it is well
// formed.
func serialProblem(field, sn string) *apperr.FieldError {
	var fe apperr.FieldError
	switch {
	case sn == "":
		fe = apperr.Field(field, apperr.Required, "is empty")
	case !ValidSerial(sn):
		fe = apperr.Field(field, CodeSerialMalformed, "serial %q is malformed: use 1–64 letters, digits and . _ / : -", truncate(sn, 70))
	default:
		return nil
	}
	return &fe
}

// serialCheck applies the serial rules that receipts and file imports share to the
// lines of one delivery: every serial is trimmed in place, and each empty, malformed
// or repeated one (across all lines and products, compared case-insensitively) is
// named by field(line, index).
type serialCheck struct {
	where string // "receipt" or "file", for the message of a repeated serial
	field func(line, idx int) string
	seen  map[string][2]int
}

func newSerialCheck(where string, field func(line, idx int) string) *serialCheck {
	return &serialCheck{where: where, field: field, seen: map[string][2]int{}}
}

// line checks the serials of line i, a serial-tracked product.
func (c *serialCheck) line(fe *apperr.Fields, i int, l *NewReceiptLine) {
	for j, raw := range l.Serials {
		sn := strings.TrimSpace(raw)
		l.Serials[j] = sn
		if p := serialProblem(c.field(i, j), sn); p != nil {
			*fe = append(*fe, *p)
			continue
		}
		if first, dup := c.seen[NormSerial(sn)]; dup {
			fe.Add(c.field(i, j), CodeSerialTwice, "serial %s appears twice in this %s (also %s)", sn, c.where, c.field(first[0], first[1]))
		} else {
			c.seen[NormSerial(sn)] = [2]int{i, j}
		}
	}
}

// firstGood reports whether serial idx of line i (already checked) is well formed and
// the first occurrence of its serial in the delivery.
func (c *serialCheck) firstGood(i, idx int, sn string) bool {
	at, ok := c.seen[NormSerial(sn)]
	return ok && at == [2]int{i, idx}
}

// good returns the serials of line i that are well formed and first in the delivery.
func (c *serialCheck) good(i int, l NewReceiptLine) NewReceiptLine {
	out := NewReceiptLine{ProductID: l.ProductID}
	for j, sn := range l.Serials {
		if c.firstGood(i, j, sn) {
			out.Serials = append(out.Serials, sn)
		}
	}
	return out
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func productsByID(ctx context.Context, lines []NewReceiptLine) (map[int64]*Product, error) {
	ids := make([]int64, 0, len(lines))
	for _, l := range lines {
		ids = append(ids, l.ProductID)
	}
	var ps []Product
	if err := db.Conn(ctx).Where("id IN ?", ids).Find(&ps).Error; err != nil {
		return nil, fmt.Errorf("load products: %w", err)
	}
	out := make(map[int64]*Product, len(ps))
	for i := range ps {
		out[ps[i].ID] = &ps[i]
	}
	return out, nil
}

// checkExisting names every serial that a device already has, whatever its product and
// compared trimmed and case-insensitively, by field(line, index). The serials must be
// distinct in that form.
func checkExisting(ctx context.Context, lines []NewReceiptLine, fe *apperr.Fields, field func(line, idx int) string) error {
	for i, l := range lines {
		if len(l.Serials) == 0 {
			continue
		}
		found, err := existingSerials(ctx, l.Serials)
		if err != nil {
			return err
		}
		for j, sn := range l.Serials {
			if _, ok := found[NormSerial(sn)]; ok {
				fe.Add(field(i, j), CodeSerialTaken, "serial %s already exists", sn)
			}
		}
	}
	return nil
}

// insertReceipt writes the receipt, its lines, the devices with their first event and
// the ledger entries of consumables.
func insertReceipt(ctx context.Context, actor string, in NewReceipt, products map[int64]*Product) (*Receipt, error) {
	now := time.Now().UTC()
	r := &Receipt{LocationID: in.LocationID, ContractID: in.ContractID, Reference: in.Reference, CreatedAt: now, CreatedBy: actor}
	conn := db.Conn(ctx)
	if err := conn.Omit("DevicesCreated", "Lines").Create(r).Error; err != nil {
		return nil, fmt.Errorf("create receipt: %w", err)
	}
	for _, l := range in.Lines {
		rl := ReceiptLine{ReceiptID: r.ID, ProductID: l.ProductID, UnitCostOre: l.UnitCostOre}
		if products[l.ProductID].Tracking == TrackQuantity {
			rl.Quantity = *l.Quantity
		} else {
			rl.Quantity = int64(len(l.Serials))
		}
		if err := conn.Omit("Serials", "DeviceIDs").Create(&rl).Error; err != nil {
			return nil, fmt.Errorf("create receipt line: %w", err)
		}
		if len(l.Serials) == 0 {
			m := Movement{At: now, ProductID: l.ProductID, LocationID: in.LocationID, Kind: MoveReceived,
				DeltaOnHand: rl.Quantity, ReceiptID: &r.ID, Actor: actor}
			if err := recordMovement(ctx, &m); err != nil {
				return nil, err
			}
			r.Lines = append(r.Lines, rl)
			continue
		}
		ids, err := insertDevices(ctx, actor, r.ID, in.LocationID, l.ProductID, l.UnitCostOre, l.Serials, now, Because(WhyReceipt, r.ID))
		if err != nil {
			return nil, err
		}
		rl.Serials, rl.DeviceIDs = l.Serials, ids
		r.DevicesCreated += len(ids)
		r.Lines = append(r.Lines, rl)
	}
	return r, nil
}

// insertDevices creates available devices with their first event, in batches.
func insertDevices(ctx context.Context, actor string, receiptID, locationID, productID, costOre int64, serials []string, now time.Time, why Why) ([]int64, error) {
	conn := db.Conn(ctx)
	ids := make([]int64, 0, len(serials))
	batch := deviceBatch(conn)
	for start := 0; start < len(serials); start += batch {
		chunk := serials[start:min(start+batch, len(serials))]
		ds := make([]Device, len(chunk))
		for i, sn := range chunk {
			ds[i] = Device{Serial: sn, ProductID: productID, State: Available, LocationID: &locationID,
				ReceiptID: &receiptID, UnitCostOre: costOre, ReceivedAt: now, UpdatedAt: now}
		}
		// Only the columns that carry a value: fewer parameters, faster statements.
		if err := conn.Select("Serial", "ProductID", "State", "LocationID", "ReceiptID", "UnitCostOre", "ReceivedAt", "UpdatedAt").Create(&ds).Error; err != nil {
			if db.IsUniqueViolation(err) {
				return nil, apperr.Invalid(apperr.Field("serials", apperr.Changed, "a serial was added by someone else meanwhile; submit again to see which"))
			}
			return nil, fmt.Errorf("create devices: %w", err)
		}
		if err := countNew(ctx, countKey{ProductID: productID, LocationID: locationID, State: Available}, int64(len(ds)), costOre); err != nil {
			return nil, err
		}
		evs := make([]Event, len(ds))
		for i, d := range ds {
			ids = append(ids, d.ID)
			evs[i] = Event{DeviceID: d.ID, At: now, To: string(Available), Actor: actor, Reason: why.Text(), ReasonCode: why.Code, ReasonArgs: why.Args}
		}
		if err := conn.Select("DeviceID", "At", "To", "Actor", "Reason", "ReasonCode", "ReasonArgs").Create(&evs).Error; err != nil {
			return nil, fmt.Errorf("create device events: %w", err)
		}
		if progress, ok := ctx.Value(deviceProgressKey{}).(func(int)); ok {
			progress(len(ds))
		}
	}
	return ids, nil
}

// deviceBatch is how many devices one INSERT writes. The SQLite driver binds the
// parameters of a statement in time quadratic in their number, so there smaller
// statements are faster.
func deviceBatch(conn *gorm.DB) int {
	if db.DialectOf(conn) == db.SQLite {
		return sqliteDeviceBatch
	}
	return 500
}

var sqliteDeviceBatch = 100

type deviceProgressKey struct{}

// withDeviceProgress returns ctx under which insertDevices calls progress with the
// number of devices of each batch it wrote; a file import reports its progress so.
func withDeviceProgress(ctx context.Context, progress func(n int)) context.Context {
	return context.WithValue(ctx, deviceProgressKey{}, progress)
}
