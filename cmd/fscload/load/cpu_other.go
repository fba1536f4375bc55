//go:build !linux

package load

import (
	"strconv"
	"time"
)

// CPUSample is a moment; off Linux nothing else is sampled.
type CPUSample struct{ at time.Time }

// SampleCPU returns the moment.
func SampleCPU(database string) CPUSample { return CPUSample{at: time.Now()} }

// CPUUse says nothing off Linux.
func CPUUse(a, b CPUSample, requests int64) (string, float64) { return "", 0 }

// Pct formats a share as a whole percentage.
func Pct(f float64) string { return strconv.FormatFloat(f*100, 'f', 0, 64) + "%" }
