"""subprocess and os.system with /bin/sh and the interpreter itself."""
import os
import subprocess
import sys

r = subprocess.run(["/bin/sh", "-c", "echo hi"], capture_output=True, text=True, check=True)
print("run:", r.stdout.strip(), r.returncode)
print("check_output shell=True:", subprocess.check_output("echo $((6 * 7))", shell=True, text=True).strip())
r = subprocess.run("exit 5", shell=True)
print("shell exit:", r.returncode)
status = os.system("exit 3")
print("os.system:", os.waitstatus_to_exitcode(status))
p = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdout.write(sys.stdin.read()[::-1])"],
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
out, _ = p.communicate(b"stressed")
print("popen:", out.decode(), p.returncode)
r = subprocess.run(["/bin/sh", "-c", "echo err >&2; echo out"], capture_output=True, text=True)
print("stderr captured:", r.stderr.strip(), "stdout:", r.stdout.strip())
try:
    subprocess.run(["/bin/sh", "-c", "exit 1"], check=True)
except subprocess.CalledProcessError as e:
    print("CalledProcessError:", e.returncode)
r = subprocess.run(["/bin/sh", "-c", "echo $GREETING"], env={"GREETING": "hello"}, capture_output=True, text=True)
print("env:", r.stdout.strip())
print("with cwd:", subprocess.run(["/bin/sh", "-c", "test -f run_shell.py && echo found"],
                                  cwd=os.path.dirname(os.path.abspath(__file__)),
                                  capture_output=True, text=True).stdout.strip())
with os.popen("echo popen") as f:
    print("os.popen:", f.read().strip())
