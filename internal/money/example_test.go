package money_test

import (
	"fmt"
	"math/big"

	"github.com/fsc/backoffice/internal/money"
)

// A pool of 100.000,01 kr. under a key "region 50 % fixed, municipalities the rest by
// inhabitants", participants sorted by member code.
func ExampleNewBasis() {
	ps := []money.Participant{
		{Inhabitants: 60_000},        // member code 101
		{Inhabitants: 30_000},        // 102
		{Inhabitants: 10_000},        // 103
		{Fixed: true, ShareBP: 5000}, // 900 the region
	}
	b, err := money.NewBasis(money.Weights{Inhabitants: 1}, ps)
	if err != nil {
		panic(err)
	}
	for i, ore := range b.Split(10_000_001) {
		fmt.Println(b.Fraction(i).RatString(), money.FormatDanish(ore))
	}
	// Output:
	// 3/10 30.000,00 kr.
	// 3/20 15.000,00 kr.
	// 1/20 5.000,00 kr.
	// 1/2 50.000,01 kr.
}

func ExampleSplit() {
	shares, err := money.Split(100, []*big.Int{big.NewInt(1), big.NewInt(1), big.NewInt(1)})
	fmt.Println(shares, err)
	// Output: [34 33 33] <nil>
}

func ExampleMulDivRound() {
	// 499,00 kr. a month for 17 device-days of a 30-day month.
	ore, err := money.MulDivRound(49_900, 17, 30)
	fmt.Println(ore, money.FormatDecimal(ore), err)
	// Output: 28277 282.77 <nil>
}
