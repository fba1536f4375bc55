package money

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/fsc/backoffice/internal/apperr"
)

func TestValidateKey(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fixed  []int64
		w      Weights
		fields []string // the field errors expected, in order; none for a valid key
	}{
		{"by inhabitants", nil, Weights{Inhabitants: 1}, nil},
		{"region half, rest by inhabitants", []int64{5000}, Weights{Inhabitants: 1}, nil},
		{"all fixed, no weights", []int64{6000, 4000}, Weights{}, nil},
		{"fixed up to 10000 with weights too", []int64{10000}, Weights{Equal: 3}, nil},
		{"no weights and fixed short of 10000", []int64{5000}, Weights{}, []string{"weights"}},
		{"no weights, no fixed", nil, Weights{}, []string{"weights"}},
		{"fixed above 10000", []int64{6000, 4001}, Weights{Usage: 1}, []string{"fixed"}},
		{"negative and too large share_bp", []int64{-1, 10001}, Weights{Usage: 1}, []string{"fixed[0].share_bp", "fixed[1].share_bp"}},
		{"negative weights", nil, Weights{Inhabitants: -1, Inhabitants65Plus: 2, Usage: -3}, []string{"weights.inhabitants", "weights.usage"}},
		{"only negative weights", nil, Weights{Equal: -1}, []string{"weights.equal", "weights"}},
	} {
		err := ValidateKey(tc.fixed, tc.w)
		if got := fieldsOf(err); !slices.Equal(got, tc.fields) {
			t.Errorf("%s: ValidateKey(%v, %+v) = %v; want fields %v", tc.name, tc.fixed, tc.w, err, tc.fields)
		}
		if err != nil && !apperr.Is(err, apperr.KindInvalid) {
			t.Errorf("%s: error %v is not apperr Invalid", tc.name, err)
		}
	}
}

// fieldsOf returns the fields of err's field errors, each followed by its code and
// param when they are not the usual ones, so that a test names them too.
func fieldsOf(err error) []string {
	var e *apperr.Error
	if !errors.As(err, &e) {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		usual := map[string]apperr.Code{"weights": CodeWeightsZero, "fixed": CodeShareBPSum, "participants": CodeShareBPSum}[f.Field]
		switch {
		case strings.HasSuffix(f.Field, "share_bp"):
			usual = CodeShareBP
		case usual.IsZero():
			usual = apperr.Negative
		}
		if f.Code != usual {
			out = append(out, f.Field+"!"+f.Code.String())
			continue
		}
		out = append(out, f.Field)
	}
	return out
}

func free(inh, inh65, usage int64) Participant {
	return Participant{Inhabitants: inh, Inhabitants65Plus: inh65, Usage: usage}
}

func fixed(bp int64) Participant { return Participant{Fixed: true, ShareBP: bp} }

func TestBasisExamples(t *testing.T) {
	equal98 := make([]Participant, 98)
	for i := range equal98 {
		equal98[i] = free(50_000+int64(i)*1000, 10_000, 0)
	}
	one98 := make([]int64, 98)
	one98[97] = 1 // the most inhabitants: the largest remainder
	for _, tc := range []struct {
		name  string
		w     Weights
		ps    []Participant
		total int64
		want  []int64
		fr    []string // each participant's exact fraction, as big.Rat.RatString prints it
		used  string
	}{
		{"100 øre over three equal members: the øre left to index 0", Weights{Equal: 1},
			[]Participant{free(9, 0, 0), free(1, 0, 0), free(5, 0, 0)}, 100,
			[]int64{34, 33, 33}, []string{"1/3", "1/3", "1/3"}, "equal"},
		{"region 50 % fixed, municipalities by inhabitants", Weights{Inhabitants: 1},
			[]Participant{fixed(5000), free(60_000, 9_000, 0), free(30_000, 6_000, 0), free(10_000, 2_500, 0)}, 100_001,
			// exact 50000.5, 30000.3, 15000.15, 5000.05: the øre left goes to the region
			[]int64{50_001, 30_000, 15_000, 5_000}, []string{"1/2", "3/10", "3/20", "1/20"}, "inhabitants"},
		{"a factor summing to zero is left out with its weight", Weights{Inhabitants: 1, Usage: 1},
			[]Participant{free(100, 0, 0), free(300, 0, 0)}, 1000,
			[]int64{250, 750}, []string{"1/4", "3/4"}, "inhabitants"},
		{"mixed key: ½ inhabitants, ½ equal, region a quarter fixed", Weights{Inhabitants: 1, Equal: 1},
			[]Participant{fixed(2500), free(3, 0, 0), free(1, 0, 0)}, 3200,
			// A: ¾ × (½×¾ + ½×½) = 15/32; B: ¾ × (½×¼ + ½×½) = 9/32
			[]int64{800, 1500, 900}, []string{"1/4", "15/32", "9/32"}, "inhabitants,equal"},
		{"weights 2:1:1 over inhabitants, 65+ and usage", Weights{Inhabitants: 2, Inhabitants65Plus: 1, Usage: 1},
			[]Participant{free(1, 1, 3), free(1, 3, 1)}, -1000,
			// A: ½×½ + ¼×¼ + ¼×¾ = ½
			[]int64{-500, -500}, []string{"1/2", "1/2"}, "inhabitants,inhabitants_65_plus,usage"},
		{"fixed shares take the whole pool; the mix gets nothing", Weights{Usage: 1},
			[]Participant{fixed(3333), free(5, 5, 5), fixed(6667)}, 10,
			[]int64{3, 0, 7}, []string{"3333/10000", "0", "6667/10000"}, ""},
		{"a credit mirrors the charge", Weights{Equal: 1},
			[]Participant{free(0, 0, 0), free(0, 0, 0), free(0, 0, 0)}, -100,
			[]int64{-34, -33, -33}, []string{"1/3", "1/3", "1/3"}, "equal"},
		{"1 øre over 98 members by inhabitants", Weights{Inhabitants: 1}, equal98, 1, one98, nil, "inhabitants"},
		{"10^15 øre by inhabitants in the millions", Weights{Inhabitants: 1},
			[]Participant{free(1_000_000, 0, 0), free(2_000_000, 0, 0), free(4_000_000, 0, 0)}, 1_000_000_000_000_000,
			// exact …142.857, …285.714, …571.429: the two øre left go to the first two
			[]int64{142_857_142_857_143, 285_714_285_714_286, 571_428_571_428_571}, []string{"1/7", "2/7", "4/7"}, "inhabitants"},
	} {
		for _, viaBig := range []bool{false, true} {
			b, err := newBasis(tc.w, tc.ps, viaBig)
			if err != nil {
				t.Errorf("%s: NewBasis: %v", tc.name, err)
				continue
			}
			if got := b.Split(tc.total); !slices.Equal(got, tc.want) {
				t.Errorf("%s (math/big %v): Split(%d) = %v; want %v", tc.name, viaBig, tc.total, got, tc.want)
			}
			for i, want := range tc.fr {
				if got := b.Fraction(i).RatString(); got != want {
					t.Errorf("%s (math/big %v): Fraction(%d) = %s; want %s", tc.name, viaBig, i, got, want)
				}
			}
			if got := strings.Join(b.Used(), ","); got != tc.used {
				t.Errorf("%s: Used() = %q; want %q", tc.name, got, tc.used)
			}
		}
	}
}

func TestBasisErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		w       Weights
		ps      []Participant
		fields  []string
		noBasis bool
	}{
		{"no participants", Weights{Equal: 1}, nil, []string{"participants!no_basis"}, true},
		{"only fixed members, short of 10000", Weights{Equal: 1}, []Participant{fixed(4000), fixed(5000)}, []string{"fixed!no_basis"}, true},
		{"every weighted factor sums to zero", Weights{Usage: 1, Inhabitants65Plus: 2},
			[]Participant{fixed(5000), free(100, 0, 0), free(200, 0, 0)}, []string{"weights!no_basis"}, true},
		{"no weights", Weights{}, []Participant{free(1, 1, 1)}, []string{"weights!no_basis"}, true},
		{"fixed shares above 10000", Weights{Equal: 1}, []Participant{fixed(6000), fixed(4001), free(1, 1, 1)}, []string{"participants"}, false},
		{"bad figures", Weights{Inhabitants: -1, Equal: 1},
			[]Participant{fixed(10001), free(-1, 0, 0), free(1, -5, -2)},
			[]string{"weights.inhabitants", "participants[0].share_bp", "participants[1].inhabitants",
				"participants[2].inhabitants_65_plus", "participants[2].usage"}, false},
	} {
		b, err := NewBasis(tc.w, tc.ps)
		if b != nil || !slices.Equal(fieldsOf(err), tc.fields) || errors.Is(err, ErrNoBasis) != tc.noBasis || !apperr.Is(err, apperr.KindInvalid) {
			t.Errorf("%s: NewBasis = %v, %v; want fields %v, ErrNoBasis %v", tc.name, b, err, tc.fields, tc.noBasis)
		}
	}
}
