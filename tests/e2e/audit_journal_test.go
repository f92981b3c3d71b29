package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/mcpwarden/mcpwarden/internal/demo"
	"github.com/mcpwarden/mcpwarden/internal/store"
)

// With the store as the only audit sink (the embedded default), an
// answered call's event is in the store's journal before the answer, and
// SQLite is written behind it. A gateway killed (SIGKILL) while the store
// refused writes, so the answered calls' events were in the journal only,
// stores them when it next starts: every answered call is in the store,
// in one intact chain.
func TestAuditJournalSurvivesKill(t *testing.T) {
	up := demoHTTP(t, demo.Options{Name: "r"}, false)
	shared := t.TempDir()
	dbPath := filepath.Join(shared, "gateway.db")
	cfg := "listen: {{LISTEN}}\nservers:\n  r:\n    url: " + up.URL + "\nstore:\n  path: " + dbPath + "\n"
	cfgPath := cliConfig(t, shared, cfg)
	calls := func(g *gatewayProc, from, n int) { t.Helper(); echoCalls(t, g, from, n) }
	st, err := store.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	countCalls := func() int {
		t.Helper()
		var n int
		if err := st.DB().QueryRow(`SELECT count(*) FROM audit_events WHERE type = 'tools/call'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	g := startGateway(t, cfg)
	calls(g, 0, 2)
	if out, code := runVerify(t, "--store", "--config", cfgPath); code != 0 || !strings.Contains(out, "OK") {
		t.Fatalf("verify while running: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(dbPath + ".audit-journal.0"); err != nil {
		t.Fatalf("the journal while the gateway runs: %v", err)
	}
	stored := countCalls() // the verify above waited for nothing: the store caught up within its linger, or not yet

	// The store refuses writes; calls go on, recorded in the journal.
	storeDown(t, st)
	calls(g, 2, 5)
	waitStoreDownReported(t, g)
	if err := g.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = g.cmd.Wait()
	if n := countCalls(); n > 2 {
		t.Fatalf("%d calls stored while the store refused writes", n)
	}
	b0, _ := os.ReadFile(dbPath + ".audit-journal.0")
	b1, _ := os.ReadFile(dbPath + ".audit-journal.1")
	if n := strings.Count(string(b0)+string(b1), `"ty":"tools/call"`); n < 5 {
		t.Fatalf("the journal after the kill holds %d calls, want the 5 the store refused", n)
	}
	if _, err := st.DB().Exec(`DROP TRIGGER down`); err != nil {
		t.Fatal(err)
	}

	g2 := startGateway(t, cfg)
	if !strings.Contains(g2.stderr.String(), "audit journal: stored the events of an earlier run") {
		t.Errorf("the restart did not say it stored journaled events:\n%s", tail(g2.stderr.String(), 20))
	}
	if n := countCalls(); n != 7 {
		t.Fatalf("after the restart %d calls are stored, want 7 (before the kill: %d)", n, stored)
	}
	calls(g2, 7, 1)
	stopGateway(g2)
	if n := countCalls(); n != 8 {
		t.Fatalf("%d calls stored", n)
	}
	out, code := runVerify(t, "--store", "--config", cfgPath)
	if code != 0 || !strings.Contains(out, "OK") || strings.Contains(out, "gap") {
		t.Fatalf("store: exit %d, want an intact chain without gaps\n%s", code, out)
	}
	for _, suf := range []string{".audit-journal.0", ".audit-journal.1"} {
		if _, err := os.Stat(dbPath + suf); !os.IsNotExist(err) {
			t.Errorf("journal %s after a clean stop: %v", suf, err)
		}
	}
}
