package load

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// CPUSample is the CPU time of this process and of the whole machine at one moment, to
// tell how much of a run's CPU went to fscload (client and in-process server) and how
// busy the machine was with everything else (PostgreSQL, other processes).
type CPUSample struct {
	at          time.Time
	self        time.Duration   // user+sys of this process
	postgres    map[int]float64 // user+sys ticks of each postgres backend of the measured database
	busy, total float64         // machine jiffies
	load1       string
}

// SampleCPU samples this process, the machine, and the PostgreSQL backends serving
// database (none if "").
func SampleCPU(database string) CPUSample {
	s := CPUSample{at: time.Now()}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		s.self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		line, _, _ := strings.Cut(string(b), "\n")
		f := strings.Fields(line)
		for i, v := range f[1:] {
			n, _ := strconv.ParseFloat(v, 64)
			s.total += n
			if i != 3 && i != 4 { // idle, iowait
				s.busy += n
			}
		}
	}
	s.postgres = postgresTicks(database)
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		s.load1, _, _ = strings.Cut(string(b), " ")
	}
	return s
}

// CPUUse describes the interval from a to b: this process's CPU per request, and the
// machine's busy share, split into this process, PostgreSQL and the rest, which it
// also returns as a share of the machine.
func CPUUse(a, b CPUSample, requests int64) (string, float64) {
	wall := b.at.Sub(a.at).Seconds()
	if wall <= 0 || b.total <= a.total {
		return "", 0
	}
	busy := (b.busy - a.busy) / (b.total - a.total) // share of all cores
	cores := float64(runtime.NumCPU())
	self := (b.self - a.self).Seconds() / wall / cores
	per := ""
	if requests > 0 {
		per = " " + strconv.FormatFloat(float64((b.self-a.self).Microseconds())/float64(requests), 'f', 0, 64) + "µs/req in-proc"
	}
	var pgTicks float64 // backends that ended meanwhile are lost; new ones count from 0
	for pid, t := range b.postgres {
		pgTicks += max(t-a.postgres[pid], 0)
	}
	pg := pgTicks / clockTicks / wall / cores
	if requests > 0 {
		per += ", postgres " + strconv.FormatFloat(pgTicks/clockTicks*1e6/float64(requests), 'f', 0, 64) + "µs/req"
	}
	other := max(busy-self-pg, 0)
	return "machine busy " + Pct(busy) + " (fscload proc " + Pct(self) + ", postgres(this db) " + Pct(pg) + ", other processes " + Pct(other) + ");" + per + "; load1 " + b.load1, other
}

const clockTicks = 100 // USER_HZ on Linux

// postgresTicks returns utime+stime per postgres backend serving database (by its
// process title), so other databases' clients on a shared machine do not count.
// Parallel workers exit with their query and are missed (GET /stock undercounts).
func postgresTicks(database string) map[int]float64 {
	out := map[int]float64{}
	if database == "" {
		return out
	}
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return out
	}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		open, closing := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || closing < open || s[open+1:closing] != "postgres" {
			continue
		}
		title, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil || !strings.Contains(string(title), " "+database+" ") {
			continue
		}
		f := strings.Fields(s[closing+1:])
		if len(f) < 13 {
			continue
		}
		u, _ := strconv.ParseFloat(f[11], 64) // utime is field 14; f[0] is field 3
		st, _ := strconv.ParseFloat(f[12], 64)
		out[pid] = u + st
	}
	return out
}

// Pct formats a share as a whole percentage.
func Pct(f float64) string { return strconv.FormatFloat(f*100, 'f', 0, 64) + "%" }
