package webtest

import (
	"fmt"

	"github.com/chromedp/chromedp"
)

// What a browser test checks of the page as a whole: the dialogs it opened, and
// whether it fits the window.

// Dialogs returns the messages of the dialogs (confirm, alert) the pages have opened so
// far, oldest first. Every dialog is accepted, as a user who clicks OK would.
func (b *Browser) Dialogs() []string {
	b.dialogMu.Lock()
	defer b.dialogMu.Unlock()
	return append([]string(nil), b.dialogs...)
}

// Viewport sets the size of the window the pages are laid out in.
func (b *Browser) Viewport(width, height int64) {
	b.T.Helper()
	b.Do(fmt.Sprintf("viewport %dx%d", width, height), chromedp.EmulateViewport(width, height))
}

// ExpectFits fails unless the page fits the window's width: nothing scrolls sideways.
func (b *Browser) ExpectFits(what string) {
	b.T.Helper()
	ctx, cancel := b.stepCtx()
	defer cancel()
	over, err := chromedp.Run(ctx, chromedp.Evaluate[int]("document.documentElement.scrollWidth - document.documentElement.clientWidth"))
	if err != nil {
		b.T.Fatalf("%s: measure the page: %v", what, err)
	}
	if over > 0 {
		b.T.Errorf("%s: the page is %d px wider than the window", what, over)
	}
}
