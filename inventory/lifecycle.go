package inventory

import (
	"slices"

	"github.com/fsc/backoffice/internal/apperr"
)

// State is where a device is in its lifecycle.
type State string

// The device states. A receipt creates devices directly as available: "received" is the
// receipt event, not a state a device rests in.
const (
	Available State = "available"
	Reserved  State = "reserved"
	InTransit State = "in_transit"
	Deployed  State = "deployed"
	Returning State = "returning"
	Cleaning  State = "cleaning"
	Repair    State = "repair"
	Scrapped  State = "scrapped"
	Lost      State = "lost"
)

// States lists every state, in lifecycle order.
var States = []State{Available, Reserved, InTransit, Deployed, Returning, Cleaning, Repair, Scrapped, Lost}

// Valid reports whether s is a device state.
func (s State) Valid() bool { return slices.Contains(States, s) }

// Terminal reports whether no move leaves s.
func (s State) Terminal() bool { return s == Scrapped || s == Lost }

// Move is one legal transition and whether staff may make it by hand
// (POST /devices/{id}/transition); the others belong to workflows (orders, shipments,
// returns) that make them as part of their own transaction.
type Move struct {
	From, To State
	Manual   bool
}

// moves is the one table that decides every legal move.
var moves = []Move{
	{Available, Reserved, false}, // an order reserves it
	{Reserved, Available, false}, // the order is cancelled
	{Reserved, InTransit, false}, // the carrier has it
	{InTransit, Reserved, false}, // the shipment failed before delivery
	{InTransit, Deployed, false}, // delivered to the citizen
	{Deployed, Returning, false}, // a pickup is requested
	{Returning, Deployed, false}, // the pickup is called off
	{Returning, Cleaning, false}, // received back at the warehouse
	{Cleaning, Available, true},  // cleaned and checked
	{Cleaning, Repair, true},     // found defective
	{Available, Repair, true},    // found defective on the shelf
	{Deployed, Repair, true},     // swapped out for repair at the citizen's
	{Returning, Repair, false},   // a defect comes back from the citizen
	{Repair, Available, true},    // repaired
}

func init() {
	// Any non-terminal state may end as scrapped or lost, by hand.
	for _, s := range States {
		if !s.Terminal() {
			moves = append(moves, Move{s, Scrapped, true}, Move{s, Lost, true})
		}
	}
}

// Moves returns the transition table.
func Moves() []Move { return slices.Clone(moves) }

func findMove(from, to State) (Move, bool) {
	for _, m := range moves {
		if m.From == from && m.To == to {
			return m, true
		}
	}
	return Move{}, false
}

// CheckMove returns nil if a device may go from one state to another, by hand when
// manual is true. It returns apperr Invalid for an unknown target state and Conflict for
// an illegal move.
func CheckMove(from, to State, manual bool) error {
	if !to.Valid() {
		return apperr.Invalid(apperr.Field("to", apperr.OneOf, "must be one of %s", "available, reserved, in_transit, deployed, returning, cleaning, repair, scrapped, lost"))
	}
	m, ok := findMove(from, to)
	switch {
	case !ok:
		return apperr.Conflict("a device cannot go from %s to %s", from, to)
	case manual && !m.Manual:
		return apperr.Conflict("%s to %s happens through its workflow (order, shipment or return), not by hand", from, to)
	}
	return nil
}
