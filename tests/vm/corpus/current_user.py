"""Who am I: getpass.getuser(), pwd and grp lookups, the home directory."""
import getpass
import grp
import os
import pwd
from pathlib import Path

user = getpass.getuser()
print("getuser non-empty:", bool(user))
entry = pwd.getpwuid(os.getuid())
print("getpwuid matches getuser:", entry.pw_name == user)
print("getpwnam round trip:", pwd.getpwnam(entry.pw_name).pw_uid == os.getuid())
print("group name non-empty:", bool(grp.getgrgid(os.getgid()).gr_name))
print("home is HOME:", str(Path.home()) == os.environ["HOME"])
print("expanduser:", os.path.expanduser("~/x") == os.path.join(os.environ["HOME"], "x"))
