//go:build unix

package store

import (
	"os"
	"syscall"
)

// sameOwner gives the file at path the owner, group and mode of like, as
// far as the process may: Recover run as root for a daemon that runs as
// its own user must leave a file that user can open.
func sameOwner(path string, like os.FileInfo) {
	_ = os.Chmod(path, like.Mode().Perm())
	if st, ok := like.Sys().(*syscall.Stat_t); ok {
		_ = os.Chown(path, int(st.Uid), int(st.Gid))
	}
}
