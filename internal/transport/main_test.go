package transport

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"
)

// childEnv makes the test binary act as a stdio MCP server (an upstream
// for the gateway under test).
const childEnv = "MCPWARDEN_TRANSPORT_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "line-mcp" {
		lineMCP()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// lineMCP is a minimal MCP server that frames its input the way most stdio
// servers do: one message per line (the TypeScript SDK splits on LF,
// Python's text streams on LF, CR and CRLF); a line that is not a message
// is skipped. Every tool call is appended to the file $MARKER.
func lineMCP() {
	out := bufio.NewWriter(os.Stdout)
	reply := func(id json.RawMessage, result any) {
		b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "result": result})
		_, _ = out.Write(append(b, '\n'))
		_ = out.Flush()
	}
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	sc.Split(func(data []byte, atEOF bool) (int, []byte, error) {
		for i, c := range data {
			if c == '\n' || c == '\r' {
				return i + 1, data[:i], nil
			}
		}
		if atEOF && len(data) > 0 {
			return len(data), data, nil
		}
		return 0, nil, nil
	})
	schema := map[string]any{"type": "object"}
	for sc.Scan() {
		var m struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
			Params struct {
				ProtocolVersion string `json:"protocolVersion"`
				Name            string `json:"name"`
			} `json:"params"`
		}
		if json.Unmarshal(sc.Bytes(), &m) != nil || m.ID == nil {
			continue
		}
		switch m.Method {
		case "initialize":
			reply(m.ID, map[string]any{"protocolVersion": m.Params.ProtocolVersion, "capabilities": map[string]any{"tools": map[string]any{}},
				"serverInfo": map[string]any{"name": "line-mcp", "version": "1"}})
		case "tools/list":
			reply(m.ID, map[string]any{"tools": []any{
				map[string]any{"name": "echo", "inputSchema": schema},
				map[string]any{"name": "delete_item", "inputSchema": schema},
			}})
		case "tools/call":
			if f, err := os.OpenFile(os.Getenv("MARKER"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
				_, _ = f.WriteString(m.Params.Name + "\n")
				_ = f.Close()
			}
			reply(m.ID, map[string]any{"content": []any{map[string]any{"type": "text", "text": "ran " + m.Params.Name}}})
		default:
			reply(m.ID, map[string]any{})
		}
	}
}
