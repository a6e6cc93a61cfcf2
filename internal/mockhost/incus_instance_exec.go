package mockhost

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/lxc/incus/v6/shared/api"
)

// Exec on the fake host is a simulation, not a shell. POST
// /1.0/instances/{name}/exec with record-output runs a tiny deterministic
// interpreter and answers the way incusd 6.0.4 does without websockets: an
// operation "Executing command" whose metadata holds `return` (the exit
// code) and `output` (the paths of the recorded stdout and stderr under
// /1.0/instances/{name}/logs/exec-output/), which can be read and deleted.
//
// The interpreter knows `sh -c SCRIPT` where the script is commands joined
// by `;`, `&&`, `||` or newlines: echo [-n], printf FORMAT [ARGS], cat FILE
// (also `busybox cat`, reading the fake file system of
// incus_instance_files.go), sleep N (real seconds), true, false, exit N,
// `>&2` (to stderr), `> FILE` / `>> FILE`, $NAME and ${NAME} from the exec's
// environment, single and double quotes. Any other command prints
// "sh: NAME: not found" and fails 127, as busybox sh does.
//
// `cloud-init status --wait --long` exists only in an instance whose config
// has `user.rack-mock.cloud-init` (the real busybox image has no
// cloud-init): "done" reports success at once, "done:DURATION" after that
// long, "error:MESSAGE" reports status error with MESSAGE in its errors
// list. Without the key, cloud-init is "Command not found" (a failed
// operation, as incusd 6.0.4 answers), as on the real image.

const mockCloudInitKey = "user.rack-mock.cloud-init"

func (m *Incus) instanceExecRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /1.0/instances/{name}/exec", m.withInstance(m.execInstance))
	mux.HandleFunc("GET /1.0/instances/{name}/logs/exec-output/{file}", m.withInstance(func(w http.ResponseWriter, r *http.Request, _ *mockProject, inst *mockInstance) {
		data, ok := m.dayTwo(inst).logs[r.PathValue("file")]
		if !ok {
			writeError(w, http.StatusNotFound, "Not Found")
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(data)
	}))
	mux.HandleFunc("DELETE /1.0/instances/{name}/logs/exec-output/{file}", m.withInstance(func(w http.ResponseWriter, r *http.Request, _ *mockProject, inst *mockInstance) {
		logs := m.dayTwo(inst).logs
		if _, ok := logs[r.PathValue("file")]; !ok {
			writeError(w, http.StatusNotFound, "Not Found")
			return
		}
		delete(logs, r.PathValue("file"))
		writeEmpty(w)
	}))
}

// ExecLogCount is how many recorded exec outputs an instance of the default
// project still holds (tests check that the provider deletes them).
func (m *Incus) ExecLogCount(instance string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	inst, ok := m.projects["default"].instances[instance]
	if !ok {
		return 0
	}
	return len(m.dayTwo(inst).logs)
}

func (m *Incus) execInstance(w http.ResponseWriter, r *http.Request, _ *mockProject, inst *mockInstance) {
	var req api.InstanceExecPost
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if !inst.running {
		writeError(w, http.StatusBadRequest, "Instance is not running")
		return
	}
	if req.WaitForWS || req.Interactive || !req.RecordOutput {
		writeError(w, http.StatusNotImplemented, "the mock host runs exec only with record-output and without websockets")
		return
	}
	failWith := failWith(r)
	if len(req.Command) == 0 || !m.commandExists(inst, req.Command[0]) {
		// incusd 6.0.4 starts the operation, which then fails.
		m.startOperation(w, "Executing command", map[string][]string{"containers": {"/1.0/instances/" + inst.Name}, "instances": {"/1.0/instances/" + inst.Name}}, "Command not found", nil)
		return
	}
	if req.Cwd != "" {
		if f, ok := m.dayTwo(inst).files[path.Clean(req.Cwd)]; !ok || f.typ != "directory" {
			// incusd starts the command, which then fails to chdir.
			req.Command = []string{"sh", "-c", fmt.Sprintf("echo 'sh: can'\\''t cd to %s: No such file or directory' >&2; exit 2", req.Cwd)}
		}
	}
	run := &mockRun{m: m, inst: inst, env: req.Environment}
	code := run.argv(req.Command)

	now := time.Now().UTC()
	id := newUUID()
	base := "/1.0/instances/" + inst.Name + "/logs/exec-output/exec_" + id
	logs := m.dayTwo(inst).logs
	logs["exec_"+id+".stdout"] = []byte(run.stdout.String())
	logs["exec_"+id+".stderr"] = []byte(run.stderr.String())
	res := map[string][]string{"containers": {"/1.0/instances/" + inst.Name}, "instances": {"/1.0/instances/" + inst.Name}}
	mop := &mockOperation{
		op: api.Operation{
			ID: id, Class: "task", Description: "Executing command",
			CreatedAt: now, UpdatedAt: now, Status: api.Running.String(), StatusCode: api.Running,
			Resources: res, Location: "none",
		},
		done: make(chan struct{}),
	}
	if msg := failWith; msg != "" {
		mop.work = func() string { return msg }
	} else {
		mop.work = func() string {
			mop.op.Metadata = map[string]any{"return": code, "output": map[string]any{"1": base + ".stdout", "2": base + ".stderr"}}
			return ""
		}
	}
	m.ops[id] = mop
	snapshot := mop.op
	delay := m.OperationDelay + run.slept
	go func() {
		time.Sleep(delay)
		m.mu.Lock()
		defer m.mu.Unlock()
		if !mop.ended {
			mop.end(mop.work())
		}
	}()
	w.Header().Set("Location", "/1.0/operations/"+id)
	writeJSON(w, http.StatusAccepted, map[string]any{
		"type": "async", "status": "Operation created", "status_code": 100,
		"operation": "/1.0/operations/" + id, "error_code": 0, "error": "", "metadata": snapshot,
	})
}

// mockBuiltins are the commands the interpreter knows.
var mockBuiltins = map[string]bool{"sh": true, "echo": true, "printf": true, "cat": true, "busybox": true, "sleep": true, "true": true, "false": true}

func (m *Incus) commandExists(inst *mockInstance, name string) bool {
	if name == "cloud-init" {
		_, ok := inst.Config[mockCloudInitKey]
		return ok
	}
	if strings.HasPrefix(name, "/") {
		_, ok := resolveFile(m.dayTwo(inst).files, name)
		return ok && mockBuiltins[path.Base(name)]
	}
	return mockBuiltins[name]
}

// mockRun is one run of the interpreter; its sleeps add up in slept.
type mockRun struct {
	m              *Incus
	inst           *mockInstance
	env            map[string]string
	stdout, stderr strings.Builder
	slept          time.Duration
}

// argv runs one command given as arguments and returns its exit code.
func (r *mockRun) argv(args []string) int {
	if (args[0] == "sh" || args[0] == "/bin/sh") && len(args) >= 3 && args[1] == "-c" {
		return r.script(args[2])
	}
	return r.simple(args, &r.stdout, &r.stdout)
}

// script runs a shell script line by line; exit stops it.
func (r *mockRun) script(src string) int {
	code := 0
	for _, line := range strings.Split(src, "\n") {
		skip := ""
		for _, part := range splitOps(line) {
			if (skip == "&&" && code != 0) || (skip == "||" && code == 0) {
				skip = part.op
				continue
			}
			skip = part.op
			words, ok := r.words(part.text)
			if !ok {
				r.stderr.WriteString("sh: syntax error: unterminated quoted string\n")
				return 2
			}
			if len(words) == 0 {
				continue
			}
			if words[0] == "exit" {
				if len(words) > 1 {
					code, _ = strconv.Atoi(words[1])
				}
				return code
			}
			code = r.redirected(words)
		}
	}
	return code
}

type scriptPart struct{ text, op string }

// splitOps splits a line at ;, && and || outside quotes.
func splitOps(line string) []scriptPart {
	var out []scriptPart
	var cur strings.Builder
	quote := byte(0)
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == ';':
			out = append(out, scriptPart{cur.String(), ";"})
			cur.Reset()
			continue
		case (c == '&' || c == '|') && i+1 < len(line) && line[i+1] == c:
			out = append(out, scriptPart{cur.String(), string([]byte{c, c})})
			cur.Reset()
			i++
			continue
		}
		cur.WriteByte(c)
	}
	return append(out, scriptPart{cur.String(), ""})
}

// words splits a command into words: quotes, backslashes, $VAR.
func (r *mockRun) words(s string) ([]string, bool) {
	var out []string
	var cur strings.Builder
	in, quote := false, byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote == '\'':
			if c == '\'' {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
		case c == '\\' && i+1 < len(s) && quote == 0:
			i++
			cur.WriteByte(s[i])
			in = true
		case c == '$' && quote != '\'':
			name, n := varName(s[i+1:])
			if n == 0 {
				cur.WriteByte(c)
			} else {
				cur.WriteString(r.env[name])
				i += n
			}
			in = true
		case quote == '"':
			if c == '"' {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
		case c == '\'' || c == '"':
			quote, in = c, true
		case c == ' ' || c == '\t':
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if quote != 0 {
		return nil, false
	}
	if in {
		out = append(out, cur.String())
	}
	return out, true
}

// varName reads NAME or {NAME} after a $; n is how many bytes it took.
func varName(s string) (name string, n int) {
	if strings.HasPrefix(s, "{") {
		if end := strings.IndexByte(s, '}'); end > 1 {
			return s[1:end], end + 1
		}
		return "", 0
	}
	for n < len(s) && (s[n] == '_' || s[n] >= 'a' && s[n] <= 'z' || s[n] >= 'A' && s[n] <= 'Z' || n > 0 && s[n] >= '0' && s[n] <= '9') {
		n++
	}
	return s[:n], n
}

// redirected runs a command with its >&2, > FILE and >> FILE redirections.
func (r *mockRun) redirected(words []string) int {
	var out, errOut strings.Builder
	toErr, file, appendTo := false, "", false
	var args []string
	for i := 0; i < len(words); i++ {
		switch w := words[i]; {
		case w == ">&2" || w == "1>&2":
			toErr = true
		case (w == ">" || w == ">>") && i+1 < len(words):
			file, appendTo = words[i+1], w == ">>"
			i++
		default:
			args = append(args, w)
		}
	}
	if len(args) == 0 {
		return 0
	}
	code := r.simple(args, &out, &errOut)
	r.stderr.WriteString(errOut.String())
	switch {
	case file != "":
		fs := r.m.dayTwo(r.inst).files
		p := path.Clean(file)
		if parent, ok := fs[path.Dir(p)]; !ok || parent.typ != "directory" {
			fmt.Fprintf(&r.stderr, "sh: can't create %s: nonexistent directory\n", file)
			return 1
		}
		data := []byte(out.String())
		if old, ok := fs[p]; ok && appendTo {
			data = append(append([]byte{}, old.content...), data...)
		}
		fs[p] = &mockFile{typ: "file", content: data, mode: 0o644}
	case toErr:
		r.stderr.WriteString(out.String())
	default:
		r.stdout.WriteString(out.String())
	}
	return code
}

// simple runs one command with its output going to out and errOut.
func (r *mockRun) simple(args []string, out, errOut *strings.Builder) int {
	name := path.Base(args[0])
	if name == "busybox" && len(args) > 1 {
		args = args[1:]
		name = args[0]
	}
	switch name {
	case "true":
		return 0
	case "false":
		return 1
	case "echo":
		a := args[1:]
		nl := "\n"
		if len(a) > 0 && a[0] == "-n" {
			a, nl = a[1:], ""
		}
		out.WriteString(strings.Join(a, " ") + nl)
		return 0
	case "printf":
		if len(args) < 2 {
			errOut.WriteString("printf: usage: printf FORMAT [ARGUMENT...]\n")
			return 1
		}
		out.WriteString(mockPrintf(args[1], args[2:]))
		return 0
	case "cat":
		code := 0
		for _, p := range args[1:] {
			f, ok := resolveFile(r.m.dayTwo(r.inst).files, path.Clean(p))
			switch {
			case !ok:
				fmt.Fprintf(errOut, "cat: can't open '%s': No such file or directory\n", p)
				code = 1
			case f.typ == "directory":
				fmt.Fprintf(errOut, "cat: read error: Is a directory\n")
				code = 1
			default:
				out.Write(f.content)
			}
		}
		return code
	case "sleep":
		if len(args) > 1 {
			if n, err := strconv.ParseFloat(args[1], 64); err == nil {
				r.slept += time.Duration(n * float64(time.Second))
			}
		}
		return 0
	case "cloud-init":
		if v, ok := r.inst.Config[mockCloudInitKey]; ok {
			return r.cloudInit(v, out)
		}
	case "sh":
		if len(args) >= 3 && args[1] == "-c" {
			return r.script(args[2])
		}
	}
	fmt.Fprintf(errOut, "sh: %s: not found\n", args[0])
	return 127
}

// cloudInit answers `cloud-init status --wait --long` as cloud-init 23+
// prints it: progress dots, then the long status in YAML-like lines.
func (r *mockRun) cloudInit(setting string, out *strings.Builder) int {
	kind, arg, _ := strings.Cut(setting, ":")
	if kind == "done" && arg != "" {
		if d, err := time.ParseDuration(arg); err == nil {
			r.slept += d
			out.WriteString(strings.Repeat(".", int(d/(250*time.Millisecond))+1) + "\n")
		}
	}
	status, errs, code := "done", "[]", 0
	if kind == "error" {
		status, errs, code = "error", "\n\t- "+arg, 1
	}
	fmt.Fprintf(out, "status: %s\nextended_status: %s\nboot_status_code: enabled-by-generator\nlast_update: Thu, 01 Jan 1970 00:02:11 +0000\ndetail: DataSourceNoCloud [seed=/var/lib/cloud/seed/nocloud-net]\nerrors: %s\nrecoverable_errors: {}\n",
		status, status, errs)
	return code
}

// mockPrintf formats %s, %d and %% with the arguments, and \n, \t, \\.
func mockPrintf(format string, args []string) string {
	var b strings.Builder
	next := func() string {
		if len(args) == 0 {
			return ""
		}
		a := args[0]
		args = args[1:]
		return a
	}
	for i := 0; i < len(format); i++ {
		c := format[i]
		switch {
		case c == '\\' && i+1 < len(format):
			i++
			switch format[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			default:
				b.WriteByte(format[i])
			}
		case c == '%' && i+1 < len(format):
			i++
			switch format[i] {
			case 's', 'd':
				b.WriteString(next())
			default:
				b.WriteByte(format[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
