package money

import (
	"errors"
	"fmt"

	"github.com/fsc/backoffice/internal/apperr"
)

// FullBP is the whole pool in basis points: fixed shares are share_bp ÷ FullBP of it.
const FullBP = 10000

// Weights are an allocation key's weights of the factors of the mix, non-negative
// integers; only their ratios matter.
type Weights struct {
	Inhabitants       int64 `json:"inhabitants"`
	Inhabitants65Plus int64 `json:"inhabitants_65_plus"`
	Usage             int64 `json:"usage"`
	Equal             int64 `json:"equal"`
}

// The factors of the mix, named as in the API (Basis.Used returns these).
const (
	FactorInhabitants       = "inhabitants"
	FactorInhabitants65Plus = "inhabitants_65_plus"
	FactorUsage             = "usage"
	FactorEqual             = "equal"
)

// factors are the factors in the order of Weights' fields and of Weights.of.
var factors = [4]string{FactorInhabitants, FactorInhabitants65Plus, FactorUsage, FactorEqual}

func (w Weights) of(f int) int64 {
	switch f {
	case 0:
		return w.Inhabitants
	case 1:
		return w.Inhabitants65Plus
	case 2:
		return w.Usage
	}
	return w.Equal
}

// Participant is one member taking part in a pool's split: either a fixed share in
// basis points (its figures then play no part), or its figures for the mix
// (inhabitants and inhabitants 65+ on the period's last day, usage = its device-days in
// the scheme's products in the period). A member's equal value is always 1.
type Participant struct {
	Fixed             bool
	ShareBP           int64 // when Fixed
	Inhabitants       int64
	Inhabitants65Plus int64
	Usage             int64
}

func (p Participant) value(f int) int64 {
	switch f {
	case 0:
		return p.Inhabitants
	case 1:
		return p.Inhabitants65Plus
	case 2:
		return p.Usage
	}
	return 1
}

// ErrNoBasis is wrapped by the error of NewBasis when part of the pool cannot be given
// to anyone: no participants, or a rest beyond the fixed shares with no participant
// without a fixed share, or with every weighted factor summing to zero among them.
var ErrNoBasis = errors.New("money: nothing to split the pool by")

// Codes of the field errors of ValidateKey and NewBasis, for pages to translate (the
// English Message is the API's); a negative figure or weight has apperr.Negative.
var (
	CodeShareBP     = apperr.NewCode("share_bp")     // the share given: outside 0…10000
	CodeShareBPSum  = apperr.NewCode("share_bp_sum") // the sum, 10000: fixed shares summing above it
	CodeWeightsZero = apperr.NewCode("weights_zero") // 10000, the fixed sum: no positive weight while the fixed shares leave a rest
	CodeNoBasis     = apperr.NewCode("no_basis")     // part of the pool has no one to go to (ErrNoBasis)
)

// ValidateKey checks an allocation key as it is entered: each fixed share_bp between 0
// and 10000 and their sum at most 10000, each weight non-negative, and the weights' sum
// positive unless the fixed shares sum to 10000. It returns nil, or an apperr Invalid
// error with one field error per problem, named by the API's JSON path
// ("fixed[1].share_bp", "fixed", "weights.usage", "weights") and carrying one of the
// Code variables (or apperr.Negative for a negative weight).
func ValidateKey(fixedBP []int64, w Weights) error {
	var fe apperr.Fields
	var sum int64
	for i, bp := range fixedBP {
		sum += checkShare(&fe, fmt.Sprintf("fixed[%d].share_bp", i), bp)
	}
	if sum > FullBP {
		fe.Add("fixed", CodeShareBPSum, "the share_bp sum to %d, more than %d", sum, FullBP)
	}
	if checkWeights(&fe, w) && sum < FullBP {
		fe.Add("weights", CodeWeightsZero, "must have a positive sum unless the fixed shares sum to %d (they sum to %d)", FullBP, sum)
	}
	return fe.Err()
}

// checkShare adds a field error if bp is outside 0…FullBP and returns bp, or 0 then,
// so that a sum of checked shares cannot overflow.
func checkShare(fe *apperr.Fields, field string, bp int64) int64 {
	if bp < 0 || bp > FullBP {
		fe.Add(field, CodeShareBP, "must be between 0 and %d basis points, not %d", FullBP, bp)
		return 0
	}
	return bp
}

// checkWeights adds a field error for each negative weight and reports whether all
// weights are zero.
func checkWeights(fe *apperr.Fields, w Weights) (allZero bool) {
	allZero = true
	for f, name := range factors {
		switch v := w.of(f); {
		case v < 0:
			fe.Add("weights."+name, apperr.Negative, "must not be negative, not %d", v)
		case v > 0:
			allZero = false
		}
	}
	return allZero
}

// NewBasis applies the allocation key's formula to the participants of a pool (pass
// them sorted by member code: ties in Split go to the lower index). A fixed participant
// gets ShareBP ÷ 10000 of the pool; the rest, R = (10000 − Σ ShareBP) ÷ 10000, goes to
// the others, participant i getting R × Σ_f w_f ÷ W × v_if ÷ V_f over the factors f
// with w_f > 0 and V_f = Σ_i v_if > 0, W being the sum of those factors' weights (a
// factor whose values sum to zero is left out, its weight with it). Everything is exact.
//
// It returns nil and an apperr Invalid error when the weights or the participants'
// figures are wrong (negative, share_bp outside 0…10000 or summing above 10000; fields
// "weights.usage", "participants[3].inhabitants", "participants[0].share_bp",
// "participants"), or when part of the pool cannot be given to anyone: that error also
// wraps ErrNoBasis, with a CodeNoBasis field error on "participants", "fixed" (the
// fixed shares leave a rest and every participant has one) or "weights" (every
// weighted factor sums to zero). The caller knows which request field to name instead.
func NewBasis(w Weights, ps []Participant) (*Basis, error) {
	return newBasis(w, ps, false)
}

func newBasis(w Weights, ps []Participant, forceBig bool) (*Basis, error) {
	var fe apperr.Fields
	checkWeights(&fe, w)
	var fixedBP int64
	free := 0
	var sums [4]u128
	for i := range ps {
		p := &ps[i]
		if p.Fixed {
			if p.ShareBP < 0 || p.ShareBP > FullBP {
				checkShare(&fe, fmt.Sprintf("participants[%d].share_bp", i), p.ShareBP)
			} else {
				fixedBP += p.ShareBP
			}
			continue
		}
		free++
		if p.Inhabitants < 0 || p.Inhabitants65Plus < 0 || p.Usage < 0 {
			for f, name := range factors {
				if v := p.value(f); v < 0 {
					fe.Add(fmt.Sprintf("participants[%d].%s", i, name), apperr.Negative, "must not be negative, not %d", v)
				}
			}
			continue
		}
		// Each value is below 2^63: no sum overflows before 2^65 participants.
		sums[0], _ = sums[0].add(u128{0, uint64(p.Inhabitants)})
		sums[1], _ = sums[1].add(u128{0, uint64(p.Inhabitants65Plus)})
		sums[2], _ = sums[2].add(u128{0, uint64(p.Usage)})
	}
	sums[3] = u128{0, uint64(free)}
	if fixedBP > FullBP {
		fe.Add("participants", CodeShareBPSum, "the fixed shares sum to %d basis points, more than %d", fixedBP, FullBP)
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	rest := FullBP - fixedBP
	b := &Basis{}
	used := b.usedBuf[:0]
	for f := range factors {
		if w.of(f) > 0 && !sums[f].isZero() {
			used = append(used, f)
		}
	}
	switch {
	case len(ps) == 0:
		return nil, noBasis("participants", "there are no participants to split the pool among")
	case rest > 0 && free == 0:
		return nil, noBasis("fixed", "the fixed shares sum to %d basis points and no other participant takes the remaining %d", fixedBP, rest)
	case rest > 0 && len(used) == 0:
		return nil, noBasis("weights", "every weighted factor sums to zero among the participants without a fixed share, so nothing splits the remaining %d basis points", rest)
	}
	if rest == 0 {
		used = used[:0] // the mix gets nothing; its factors play no part
	}
	b.used = used
	if !forceBig && b.fillSmall(w, ps, rest, used, sums) {
		return b, nil
	}
	b.fillBig(w, ps, rest, used, sums)
	return b, nil
}

func noBasis(field, format string, args ...any) error {
	var fe apperr.Fields
	fe.Add(field, CodeNoBasis, format, args...)
	return &apperr.Error{Kind: apperr.KindInvalid, Msg: "validation failed", Fields: fe, Err: ErrNoBasis}
}
