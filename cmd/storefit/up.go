package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
)

// composeDirEnv overrides where up and down look for compose/.
const composeDirEnv = "STOREFIT_COMPOSE_DIR"

func newUpCmd() *cobra.Command {
	var format, memory string
	cmd := &cobra.Command{
		Use:   "up NAME...",
		Short: "Start server stores natively (no Docker) and print their DSNs",
		Long: `Up starts each named server with its script compose/native/NAME.sh, which
installs the server from packages if missing, starts it on 127.0.0.1 with its
data in a temporary directory ($STOREFIT_NATIVE_DIR, default
/tmp/storefit-native), and waits until it answers. A server that already runs
is left as it is. Up prints one line per server on stdout:

  export STOREFIT_NAME_DSN='…'   (--format export, the default: eval it;
                                  with STOREFIT_NAME_PID, the server's
                                  process, which run measures)
  NAME=…                          (--format plain)

storefit run uses $STOREFIT_NAME_DSN when a store is given without a DSN.
compose/ is found from $STOREFIT_COMPOSE_DIR, else in the working directory or
one of its parents, else next to the storefit binary. With Docker, use
compose/docker-compose.yml instead.

--memory SIZE (512MiB, 2GiB) starts the servers under a memory bound, to study
a data set larger than the server's memory on a machine with more: PostgreSQL
and TimescaleDB size their caches for it (shared_buffers a quarter,
effective_cache_size all of it; the OS page cache below them is not bounded),
Redis gets maxmemory with the noeviction policy (a larger data set fails its
load). Results of runs against them record the bound (memory_bound), read from
the server. A server that already runs under another bound is an error: stop
it first.`,
		Example: `  eval "$(storefit up redis postgres)"
  storefit run --workload point/c --store redis
  storefit down
  eval "$(storefit up --memory 512MiB postgres)"`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "export" && format != "plain" {
				return usagef("--format %q: use export or plain", format)
			}
			dir, err := findComposeDir()
			if err != nil {
				return err
			}
			scripts, err := nativeScripts(dir, args)
			if err != nil {
				return err
			}
			env, err := memoryEnv(memory, args, scripts)
			if err != nil {
				return err
			}
			for i, name := range args {
				dsn, err := runScript(cmd.Context(), scripts[i], "start", os.Stderr, env...)
				if err != nil {
					return fmt.Errorf("up %s: %w", name, err)
				}
				if dsn == "" {
					return fmt.Errorf("up %s: %s start printed no DSN", name, scripts[i])
				}
				fmt.Fprintln(cmd.OutOrStdout(), dsnLine(format, name, dsn))
				if format == "export" {
					// The server's pid, for run to measure it by; a
					// script that cannot tell leaves it out.
					if pid, err := runScript(cmd.Context(), scripts[i], "pid", io.Discard); err == nil && isPID(pid) {
						fmt.Fprintln(cmd.OutOrStdout(), "export "+envName(name, "PID")+"="+shellQuote(pid))
					}
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "export", "output: export (shell lines to eval) or plain (NAME=DSN)")
	cmd.Flags().StringVar(&memory, "memory", "", "start the servers under a memory bound, e.g. 512MiB or 2GiB (postgres, timescale, redis)")
	return cmd
}

// memoryEnv returns the environment that passes a --memory bound to the
// scripts (STOREFIT_MEMORY in MiB), or a usage error for a size it cannot
// read or a server whose script takes no bound.
func memoryEnv(memory string, names, scripts []string) ([]string, error) {
	if memory == "" {
		return nil, nil
	}
	mib, err := parseMiB(memory)
	if err != nil {
		return nil, usagef("--memory %q: %v", memory, err)
	}
	for i, s := range scripts {
		b, err := os.ReadFile(s)
		if err != nil {
			return nil, err
		}
		if !bytes.Contains(b, []byte("STOREFIT_MEMORY")) {
			return nil, usagef("--memory: %s takes no memory bound (postgres, timescale and redis do); start it without --memory", names[i])
		}
	}
	return []string{"STOREFIT_MEMORY=" + strconv.FormatInt(mib, 10) + "MiB"}, nil
}

// parseMiB reads a size of whole MiB or GiB: 512MiB, 512M, 2GiB, 2g.
func parseMiB(s string) (int64, error) {
	i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	if i <= 0 {
		return 0, errors.New("give a size such as 512MiB or 2GiB")
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil || n <= 0 || n > 1<<30 {
		return 0, errors.New("give a size such as 512MiB or 2GiB")
	}
	switch strings.ToLower(s[i:]) {
	case "m", "mb", "mib":
		return n, nil
	case "g", "gb", "gib":
		return n * 1024, nil
	}
	return 0, errors.New("give a size such as 512MiB or 2GiB (unit M or G)")
}

func newDownCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "down [NAME...]",
		Short: "Stop server stores started by up, and remove their data",
		Long: `Down stops each named server (every server with a script in
compose/native/ when none is named) with compose/native/NAME.sh stop, which
removes its data directory. Stopping a server that does not run is not an
error.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := findComposeDir()
			if err != nil {
				return err
			}
			if len(args) == 0 {
				args = knownServers(dir)
			}
			scripts, err := nativeScripts(dir, args)
			if err != nil {
				return err
			}
			var errs []error
			for i, name := range args {
				if _, err := runScript(cmd.Context(), scripts[i], "stop", os.Stderr); err != nil {
					errs = append(errs, fmt.Errorf("down %s: %w", name, err))
				}
			}
			return errors.Join(errs...)
		},
	}
}

// dsnLine formats the line up prints for a server.
func dsnLine(format, name, dsn string) string {
	if format == "plain" {
		return name + "=" + dsn
	}
	return "export " + envName(name, "DSN") + "=" + shellQuote(dsn)
}

// envName returns the environment variable STOREFIT_<NAME>_<what> of a
// server or store.
func envName(name, what string) string {
	return "STOREFIT_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_")) + "_" + what
}

// isPID reports whether s is a process id.
func isPID(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n > 0
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// findComposeDir finds the compose directory (the one holding
// native/lib.sh): $STOREFIT_COMPOSE_DIR, else compose/ in the working
// directory or a parent, else compose/ next to the binary or in a parent
// of its directory.
func findComposeDir() (string, error) {
	if d := os.Getenv(composeDirEnv); d != "" {
		if !isComposeDir(d) {
			return "", fmt.Errorf("$%s=%s has no native/lib.sh", composeDirEnv, d)
		}
		return d, nil
	}
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if exe, err := os.Executable(); err == nil {
		if exe, err := filepath.EvalSymlinks(exe); err == nil {
			starts = append(starts, filepath.Dir(exe))
		}
	}
	for _, s := range starts {
		for d := s; ; d = filepath.Dir(d) {
			if c := filepath.Join(d, "compose"); isComposeDir(c) {
				return c, nil
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	return "", fmt.Errorf("no compose/native/ found in the working directory, its parents or beside the storefit binary; run from the storefit checkout or set $%s", composeDirEnv)
}

func isComposeDir(d string) bool {
	st, err := os.Stat(filepath.Join(d, "native", "lib.sh"))
	return err == nil && st.Mode().IsRegular()
}

// knownServers lists the servers with a script in dir/native, sorted.
func knownServers(dir string) []string {
	m, _ := filepath.Glob(filepath.Join(dir, "native", "*.sh"))
	var names []string
	for _, p := range m {
		if n := strings.TrimSuffix(filepath.Base(p), ".sh"); n != "lib" {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

// nativeScripts returns the script of each named server, or a usage error
// naming the first unknown one.
func nativeScripts(dir string, names []string) ([]string, error) {
	known := knownServers(dir)
	scripts := make([]string, len(names))
	for i, n := range names {
		if !slices.Contains(known, n) {
			return nil, usagef("unknown server %q (known: %s; scripts in %s)", n, strings.Join(known, ", "), filepath.Join(dir, "native"))
		}
		scripts[i] = filepath.Join(dir, "native", n+".sh")
	}
	return scripts, nil
}

// runScript runs "bash script action" with env added to storefit's
// environment, passing its stderr (progress and errors) to stderr, and
// returns the last line it printed on stdout.
func runScript(ctx context.Context, script, action string, stderr io.Writer, env ...string) (string, error) {
	var out bytes.Buffer
	c := exec.CommandContext(ctx, "bash", script, action)
	if len(env) > 0 {
		c.Env = append(os.Environ(), env...)
	}
	c.Stdout = &out
	c.Stderr = stderr
	if err := c.Run(); err != nil {
		return "", fmt.Errorf("%s %s failed (%v); its message is above", script, action, err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	return strings.TrimSpace(lines[len(lines)-1]), nil
}
