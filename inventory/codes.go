package inventory

import "github.com/fsc/backoffice/internal/apperr"

// More codes (the others are in inventory.go): the conflicts that the inventory pages
// say in the user's language (apperr.ConflictCode), and a file with a header and no
// rows. The comment says what the Args are.
var (
	CodeDeviceChanged      = apperr.NewCode("device_changed")        // serial
	CodeNotTransferable    = apperr.NewCode("transfer_not_deployed") // serial, its state
	CodeTransferSame       = apperr.NewCode("transfer_same")         // serial
	CodeStocktakeOpen      = apperr.NewCode("stocktake_open")        // location id
	CodeStocktakeClosed    = apperr.NewCode("stocktake_closed")      // stocktake id, its status
	CodeStocktakeUncounted = apperr.NewCode("stocktake_uncounted")   // stocktake id, devices that would be lost
	CodeFileNoRows         = apperr.NewCode("file_no_rows")          // no args: a header and no devices below it
)
