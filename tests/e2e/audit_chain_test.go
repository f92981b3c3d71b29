package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpwarden/mcpwarden/internal/demo"
	"github.com/mcpwarden/mcpwarden/internal/store"
)

// runVerify runs `mcpwarden audit verify ARGS...` and returns its output
// and exit code.
func runVerify(t *testing.T, args ...string) (string, int) {
	t.Helper()
	out, err := exec.Command(binPath, append([]string{"audit", "verify"}, args...)...).CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &ee):
		return string(out), ee.ExitCode()
	}
	t.Fatalf("audit verify: %v", err)
	return "", -1
}

// cliConfig writes cfg for the CLI (`--config`) into dir, with an unused
// listen address, and returns its path.
func cliConfig(t *testing.T, dir, cfg string) string {
	t.Helper()
	p := filepath.Join(dir, "mcpwarden.yaml")
	if err := os.WriteFile(p, []byte(strings.ReplaceAll(cfg, "{{LISTEN}}", "127.0.0.1:1")), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// echoCalls makes n calls of r__echo through g in one session, messages
// numbered from from.
func echoCalls(t *testing.T, g *gatewayProc, from, n int) {
	t.Helper()
	ctx := context.Background()
	cs := connect(t, g.URL, nil)
	if _, err := cs.ListTools(ctx, nil); err != nil {
		t.Fatal(err)
	}
	for i := from; i < from+n; i++ {
		msg := fmt.Sprintf("message %d", i)
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "r__echo", Arguments: map[string]any{"message": msg}})
		if err != nil || textOf(res) != msg {
			t.Fatalf("call %d: %v %v", i, res, err)
		}
	}
	_ = cs.Close()
}

// storeDown makes the store refuse writes for real: a trigger raises on
// insert (DROP TRIGGER down ends it).
func storeDown(t *testing.T, st *store.Store) {
	t.Helper()
	if _, err := st.DB().Exec(`CREATE TRIGGER down BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'store down for the test'); END`); err != nil {
		t.Fatal(err)
	}
}

// waitStoreDownReported waits until g logs the store's refusal.
func waitStoreDownReported(t *testing.T, g *gatewayProc) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(g.stderr.String(), "store down for the test"); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the gateway did not report the failing store")
		}
	}
}

func stopGateway(g *gatewayProc) {
	_ = g.cmd.Process.Signal(os.Interrupt)
	_ = g.cmd.Wait()
}

// The audit file and the store are hash-chained across real calls, a
// store that refuses writes for a while, and a restart of the gateway;
// `mcpwarden audit verify` passes both, and names each kind of tampering
// in copies: a deleted line, two swapped lines, an edited field, a row
// deleted from the store. The untouched copies pass.
func TestAuditChain(t *testing.T) {
	up := demoHTTP(t, demo.Options{Name: "r"}, false)
	shared := t.TempDir()
	auditPath := filepath.Join(shared, "audit.jsonl")
	dbPath := filepath.Join(shared, "gateway.db")
	servers := "servers:\n  r:\n    url: " + up.URL + "\n"
	cfg := "listen: {{LISTEN}}\n" + servers + "audit:\n  file: " + auditPath + "\nstore:\n  path: " + dbPath + "\n"
	cfgPath := cliConfig(t, shared, cfg)
	calls := func(g *gatewayProc, from, n int) { t.Helper(); echoCalls(t, g, from, n) }

	g := startGateway(t, cfg)
	calls(g, 0, 3)
	if out, code := runVerify(t, auditPath); code != 0 || !strings.Contains(out, ": OK: ") {
		t.Fatalf("verify while running: exit %d\n%s", code, out)
	}

	// The store refuses writes for real (a trigger raises on insert).
	// Calls still succeed: the file is the synchronous record, and the
	// store's write-behind sink keeps the events and retries.
	st, err := store.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	storeDown(t, st)
	calls(g, 3, 3)
	waitStoreDownReported(t, g)
	if _, err := st.DB().Exec(`DROP TRIGGER down`); err != nil {
		t.Fatal(err)
	}
	st.Close()
	stopGateway(g)

	// A restart continues both chains.
	g2 := startGateway(t, cfg)
	calls(g2, 6, 2)
	stopGateway(g2)

	fileEvents := auditEvents(t, auditPath)
	out, code := runVerify(t, auditPath)
	wantSeq := fmt.Sprintf("seq 1..%d", len(fileEvents))
	if code != 0 || !strings.Contains(out, wantSeq) {
		t.Fatalf("file after restart: exit %d, want %q\n%s", code, wantSeq, out)
	}
	out, code = runVerify(t, "--store", "--config", cfgPath)
	if code != 0 || !strings.Contains(out, wantSeq) || strings.Contains(out, "gap") {
		t.Fatalf("store: exit %d, want %q and no gap (nothing was lost)\n%s", code, wantSeq, out)
	}
	if n := len(eventsOf(fileEvents, "tools/call")); n != 8 {
		t.Fatalf("%d tools/call events in the file", n)
	}

	// Tampered copies of the file; each is named, the untouched copy passes.
	raw, err := os.ReadFile(auditPath)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSuffix(raw, []byte("\n")), []byte("\n"))
	callLine := -1 // a tools/call line in the middle
	for i, l := range lines {
		if i > 3 && bytes.Contains(l, []byte(`"type":"tools/call"`)) {
			callLine = i
			break
		}
	}
	copies := []struct {
		name   string
		edit   func([][]byte) [][]byte
		code   int
		naming string
	}{
		{"untouched", func(l [][]byte) [][]byte { return l }, 0, ": OK: "},
		{"deleted", func(l [][]byte) [][]byte { return append(l[:4], l[5:]...) }, 1, "line 5: removed"},
		{"swapped", func(l [][]byte) [][]byte { l[5], l[6] = l[6], l[5]; return l }, 1, "line 7: reordered"},
		{"edited", func(l [][]byte) [][]byte {
			l[callLine] = bytes.Replace(l[callLine], []byte(`"decision":{"action":"allow"`), []byte(`"decision":{"action":"deny"`), 1)
			return l
		}, 1, fmt.Sprintf("line %d: edited", callLine+1)},
	}
	for _, c := range copies {
		cp := make([][]byte, len(lines))
		for i := range lines {
			cp[i] = append([]byte(nil), lines[i]...)
		}
		p := filepath.Join(shared, c.name+".jsonl")
		if err := os.WriteFile(p, append(bytes.Join(c.edit(cp), []byte("\n")), '\n'), 0o600); err != nil {
			t.Fatal(err)
		}
		out, code := runVerify(t, p)
		if code != c.code || !strings.Contains(out, c.naming) {
			t.Errorf("%s copy: exit %d, want %d and %q\n%s", c.name, code, c.code, c.naming, out)
		}
	}

	// Copies of the store: a row deleted in the middle is tampering; the
	// oldest rows deleted (retention) are not.
	for _, c := range []struct {
		name, sql string
		code      int
		naming    string
	}{
		{"middle", "DELETE FROM audit_events WHERE rowid = 5", 1, "row 6: removed"},
		{"retention", "DELETE FROM audit_events WHERE rowid <= 3", 0, "starts at seq 4"},
	} {
		db := filepath.Join(shared, c.name+".db")
		if err := os.WriteFile(db, mustRead(t, dbPath), 0o600); err != nil {
			t.Fatal(err)
		}
		cst, err := store.Open(db)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cst.DB().Exec(c.sql); err != nil {
			t.Fatal(err)
		}
		cst.Close()
		ccfg := filepath.Join(shared, c.name+".yaml")
		if err := os.WriteFile(ccfg, []byte("listen: 127.0.0.1:1\n"+servers+"store:\n  path: "+db+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		out, code := runVerify(t, "--store", "--config", ccfg)
		if code != c.code || !strings.Contains(out, c.naming) {
			t.Errorf("store copy %s: exit %d, want %d and %q\n%s", c.name, code, c.code, c.naming, out)
		}
	}

	// Usage and read errors exit 2.
	if out, code := runVerify(t, filepath.Join(shared, "missing.jsonl")); code != 2 {
		t.Errorf("missing file: exit %d\n%s", code, out)
	}
	if out, code := runVerify(t); code != 2 {
		t.Errorf("no argument: exit %d\n%s", code, out)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
