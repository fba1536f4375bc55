package web

// Headings of the error page for the statuses a user meets in normal use, where the
// generic "Noget gik galt" (something went wrong) would mislead: nothing went wrong,
// the page is simply not there or not theirs.
func init() {
	addMessages(map[string][2]string{
		"error.heading.403": {"Ingen adgang", "No access"},
		"error.heading.404": {"Siden blev ikke fundet", "Page not found"},
	})
}
