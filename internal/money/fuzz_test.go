package money

import (
	"encoding/binary"
	"errors"
	"math"
	"math/big"
	"slices"
	"testing"

	"github.com/fsc/backoffice/internal/apperr"
)

// FuzzSplit splits a total by weights read from the bytes (each weight a length byte,
// then that many big-endian bytes, so weights of any size up to 255 bytes) and checks
// the invariants of checkShares, and that the 128-bit and math/big paths agree.
// Run: go test -fuzz FuzzSplit ./internal/money
func FuzzSplit(f *testing.F) {
	f.Add(int64(100), []byte{1, 1, 1, 1, 1, 1})
	f.Add(int64(-100), []byte{1, 1, 1, 1, 1, 1})
	f.Add(int64(math.MinInt64), []byte{1, 3, 0, 1, 7})
	f.Add(int64(math.MaxInt64), []byte{17, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1})
	f.Add(int64(1), []byte{0, 0, 1, 2, 1, 2})
	f.Fuzz(func(t *testing.T, total int64, data []byte) {
		var ws []*big.Int
		for len(data) > 0 && len(ws) < 300 {
			n := min(int(data[0]), len(data)-1)
			ws = append(ws, new(big.Int).SetBytes(data[1:1+n]))
			data = data[1+n:]
		}
		shares, err := Split(total, ws)
		num, den := sumOf(ws)
		if den.Sign() == 0 {
			if !errors.Is(err, ErrNoWeights) {
				t.Fatalf("Split(%d, %v) = %v, %v; want ErrNoWeights", total, ws, shares, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("Split(%d, %v): %v", total, ws, err)
		}
		checkShares(t, total, num, den, shares)
		if viaBig := splitBig(total, num, den); !slices.Equal(shares, viaBig) {
			t.Fatalf("Split(%d, %v) = %v, via math/big %v", total, ws, shares, viaBig)
		}
	})
}

// FuzzBasis builds a key's basis from weights and participants read from the bytes
// (per participant: a byte whose low two bits 0 make it fixed, then varints for its
// share_bp or its inhabitants, inhabitants 65+ and usage) and checks: wrong input gives
// an apperr Invalid error and no panic; a valid one gives the fractions of API.md,
// shares that keep every invariant, and the same answer on both paths.
// Run: go test -fuzz FuzzBasis ./internal/money
func FuzzBasis(f *testing.F) {
	f.Add(int64(100), int64(0), int64(0), int64(0), int64(1), []byte{1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0})
	f.Add(int64(100_001), int64(1), int64(0), int64(0), int64(0), []byte{0, 0x88, 0x27, 1, 0xe0, 0xd4, 3, 0, 0, 1, 0xb0, 0xea, 1, 0, 0})
	f.Add(int64(-7), int64(1), int64(0), int64(5), int64(0), []byte{1, 100, 0, 0, 1, 200, 0, 0})
	f.Add(int64(1e15), int64(3), int64(2), int64(1), int64(1), []byte{1, 0xc0, 0x84, 0x3d, 0x80, 0x35, 9, 1, 0x80, 0x89, 0x7a, 0x80, 0x6a, 0})
	f.Add(int64(5), int64(-1), int64(1), int64(0), int64(0), []byte{0, 0x90, 0x4e, 1, 0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0})
	f.Fuzz(func(t *testing.T, total, wInh, wInh65, wUsage, wEqual int64, data []byte) {
		w := Weights{wInh, wInh65, wUsage, wEqual}
		var ps []Participant
		for len(data) > 0 && len(ps) < 100 {
			var p Participant
			flag := data[0]
			data = data[1:]
			next := func() int64 {
				v, n := binary.Varint(data)
				if n <= 0 {
					data = nil
					return 0
				}
				data = data[n:]
				return v >> 7 // at most 2^56 in magnitude: the reference sums in int64
			}
			if flag&3 == 0 {
				p = fixed(next())
			} else {
				p = free(next(), next(), next())
			}
			ps = append(ps, p)
		}
		b, err := NewBasis(w, ps)
		if err != nil {
			if b != nil || !apperr.Is(err, apperr.KindInvalid) || len(fieldsOf(err)) == 0 {
				t.Fatalf("NewBasis(%+v, %+v) = %v, %v; want nil and an apperr Invalid error with fields", w, ps, b, err)
			}
			if errors.Is(err, ErrNoBasis) {
				if _, ok := refFractions(w, ps); ok {
					t.Fatalf("NewBasis(%+v, %+v): %v, but the formula has a basis", w, ps, err)
				}
			}
			return
		}
		want, ok := refFractions(w, ps)
		if !ok {
			t.Fatalf("NewBasis(%+v, %+v) succeeded where the formula has no basis", w, ps)
		}
		num, den := basisNumDen(b)
		for i := range want {
			if (frac{num[i], den}).cmp(want[i]) != 0 {
				t.Fatalf("NewBasis(%+v, %+v): fraction %d = %s/%s; want %s/%s", w, ps, i, num[i], den, want[i].n, want[i].d)
			}
		}
		shares := b.Split(total)
		checkShares(t, total, num, den, shares)
		viaBig, err := newBasis(w, ps, true)
		if err != nil || !slices.Equal(shares, viaBig.Split(total)) {
			t.Fatalf("NewBasis(%+v, %+v).Split(%d) = %v; via math/big %v, %v", w, ps, total, shares, viaBig, err)
		}
	})
}
