package transport

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/user"
	"strconv"
	"sync"

	"github.com/mcpwarden/mcpwarden/internal/audit"
	"github.com/mcpwarden/mcpwarden/internal/gateway"
	"github.com/mcpwarden/mcpwarden/internal/guard"
	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
)

// StdioOptions configure ServeStdio.
type StdioOptions struct {
	MaxMessageBytes int
	Logger          *slog.Logger
}

// ServeStdio serves one client on r/w (newline-delimited JSON-RPC) until r
// ends or ctx is cancelled. Requests are handled concurrently; writes are
// serialized, one message per line.
func ServeStdio(ctx context.Context, gw *gateway.Gateway, r io.Reader, w io.Writer, opts StdioOptions) error {
	if opts.MaxMessageBytes <= 0 {
		opts.MaxMessageBytes = 4 << 20
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	var wmu sync.Mutex
	out := gateway.SinkFunc(func(b []byte) error {
		wmu.Lock()
		defer wmu.Unlock()
		line := make([]byte, 0, len(b)+1)
		line = append(line, bytes.ReplaceAll(b, []byte("\n"), nil)...)
		line = append(line, '\n')
		_, err := w.Write(line)
		return err
	})
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var sess *gateway.Session
	var wg sync.WaitGroup
	defer func() {
		wg.Wait()
		if sess != nil {
			sess.Close("stdin closed")
		}
	}()
	// Lines are read apart from the loop, so a cancelled ctx ends the
	// loop even while r blocks (a client holding stdin open). The reader
	// then stays blocked until r yields or ends; for stdin, until exit.
	type lineErr struct {
		line []byte
		err  error
	}
	lines := make(chan lineErr)
	go func() {
		br := bufio.NewReaderSize(r, 64<<10)
		for {
			line, err := readLine(br, opts.MaxMessageBytes)
			select {
			case lines <- lineErr{line, err}:
			case <-ctx.Done():
				return
			}
			if err != nil && !errors.Is(err, errLineTooLong) {
				return
			}
		}
	}()
	for {
		var line []byte
		var err error
		select {
		case le := <-lines:
			line, err = le.line, le.err
		case <-ctx.Done():
			return nil
		}
		if errors.Is(err, errLineTooLong) {
			_ = out.Send(jsonrpc.NewError(nil, jsonrpc.Errorf(jsonrpc.CodeInvalidRequest, "message larger than %d bytes (max_body_bytes)", opts.MaxMessageBytes)))
			continue
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		m, perr := jsonrpc.Parse(line, jsonrpc.DefaultLimits)
		if perr != nil {
			_ = out.Send(jsonrpc.NewError(nil, perr))
			continue
		}
		if sess == nil {
			switch {
			case m.Kind == jsonrpc.KindRequest && m.Method == "initialize":
				s, resp := gw.Initialize(ctx, m, gateway.ClientMeta{Transport: audit.TransportStdio, Principal: LocalPrincipal()}, out)
				sess = s
				_ = out.Send(resp)
			case m.Kind == jsonrpc.KindRequest && m.Method == "ping":
				_ = out.Send(jsonrpc.NewResult(m.ID, map[string]any{}))
			case m.Kind == jsonrpc.KindRequest:
				_ = out.Send(jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeInvalidRequest, "not initialized: send initialize first")))
			}
			continue
		}
		switch m.Kind {
		case jsonrpc.KindRequest:
			wg.Add(1)
			go func() {
				defer wg.Done()
				rctx, afterReply := gateway.WithAfterReply(ctx)
				defer afterReply() // put-off work (a result's scan) starts once the answer is sent
				_ = out.Send(sess.HandleRequest(rctx, m, out))
			}()
		case jsonrpc.KindNotification:
			sess.HandleNotification(ctx, m)
		case jsonrpc.KindResponse:
			sess.HandleResponse(ctx, m)
		}
	}
}

var errLineTooLong = fmt.Errorf("line too long")

func readLine(br *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		// The limit is on the message, not its line terminator.
		size := len(line) + len(chunk)
		if err == nil {
			size = len(line) + len(bytes.TrimSuffix(bytes.TrimSuffix(chunk, []byte("\n")), []byte("\r")))
		}
		if size > max {
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
			if err != nil && !errors.Is(err, io.EOF) {
				return nil, err
			}
			return nil, errLineTooLong
		}
		line = append(line, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			if errors.Is(err, io.EOF) && len(bytes.TrimSpace(line)) > 0 {
				return line, nil
			}
			return nil, err
		}
		return line, nil
	}
}

// LocalPrincipal is the principal of a stdio client: whoever could start
// this process as that OS user (the MCP authorization specification does
// not apply to stdio; credentials come from the environment). Scope rules
// do not apply to it (see policy.ScopeGuard).
func LocalPrincipal() guard.Principal {
	name := strconv.Itoa(os.Getuid())
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	return guard.Principal{Subject: "local:" + name, AuthMethod: guard.AuthLocal}
}
