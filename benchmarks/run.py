"""On-demand benchmark: exvlint against baselines measured in the same run.

    python benchmarks/run.py [--roots 40] [--servers 6] [--repeat 3]

Generates a synthetic Azure estate (roots x servers, each server a module instance with a VM,
data disks, attachments and an extension), then times, in fresh processes:
  - `python -c pass` (interpreter start-up),
  - parsing every .tf file with python-hcl2's lark tree (the parse cost exvlint cannot avoid),
  - `exvlint check` on the whole tree.
Figures are reported as ratios to the parse-only baseline, because these machines are shared
and noisy; absolute seconds are printed for context only. Peak memory is each process's max RSS.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MODULE = '''variable "name" {}
variable "size" {}
variable "disks" {}
resource "azurerm_windows_virtual_machine" "vm" {
  name = var.name
  size = var.size
  tags = { role = "exchange-mailbox" }
  os_disk {
    storage_account_type = "Premium_LRS"
    disk_size_gb         = 256
  }
  source_image_reference {
    publisher = "MicrosoftWindowsServer"
    offer     = "WindowsServer"
    sku       = "2012-R2-Datacenter"
    version   = "latest"
  }
}
resource "azurerm_managed_disk" "d" {
  for_each             = var.disks
  name                 = "${var.name}-${each.key}"
  storage_account_type = each.value.type
  disk_size_gb         = each.value.size
}
resource "azurerm_virtual_machine_data_disk_attachment" "d" {
  for_each           = var.disks
  managed_disk_id    = azurerm_managed_disk.d[each.key].id
  virtual_machine_id = azurerm_windows_virtual_machine.vm.id
  lun                = each.value.lun
}
resource "azurerm_virtual_machine_extension" "dsc" {
  name               = "install-exchange"
  virtual_machine_id = azurerm_windows_virtual_machine.vm.id
  settings           = jsonencode({ configurationFunction = "ExchangeInstall.ps1\\\\InstallExchange" })
}
'''


def generate(base: Path, roots: int, servers: int) -> int:
    files = 0
    for r in range(roots):
        root = base / f"site{r:03d}"
        (root / "modules" / "server").mkdir(parents=True)
        (root / "modules" / "server" / "main.tf").write_text(MODULE)
        entries = []
        for s in range(servers):
            kind = "Standard_LRS" if (r + s) % 5 == 0 else "Premium_LRS"
            entries.append(f'  "exch-{r:03d}-{s:02d}" = {{ size = "Standard_E16s_v5", disks = {{ '
                           f'db = {{ type = "Premium_LRS", size = 1024, lun = 0 }}, '
                           f'log = {{ type = "{kind}", size = 256, lun = 1 }} }} }}')
        (root / "main.tf").write_text(
            'variable "servers" {}\nmodule "server" {\n  source   = "./modules/server"\n  for_each = var.servers\n'
            '  name  = each.key\n  size  = each.value.size\n  disks = each.value.disks\n}\n')
        (root / "terraform.tfvars").write_text("servers = {\n" + "\n".join(entries) + "\n}\n")
        files += 3
    return files


def timed(cmd: list, repeat: int) -> tuple:
    """(median wall seconds, peak RSS MiB) of ``cmd`` run ``repeat`` times in fresh processes."""
    times, peaks = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        times.append(time.perf_counter() - start)
        if os.waitstatus_to_exitcode(status) not in (0, 1):
            raise SystemExit(f"benchmark command failed: {cmd}")
        peaks.append(usage.ru_maxrss / 1024)  # KiB on Linux
    return statistics.median(times), max(peaks)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--roots", type=int, default=40)
    ap.add_argument("--servers", type=int, default=6)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    src = str(Path(__file__).resolve().parents[1] / "src")
    env_py = [sys.executable]
    with tempfile.TemporaryDirectory() as tmp:
        files = generate(Path(tmp), args.roots, args.servers)
        parse = ("import glob,hcl2,sys\n"
                 "for p in glob.glob(sys.argv[1] + '/**/*.tf*', recursive=True): hcl2.parses_to_tree(open(p).read())")
        runs = {
            "python start-up": timed(env_py + ["-c", "pass"], args.repeat),
            "parse only (python-hcl2 tree)": timed(env_py + ["-c", parse, tmp], args.repeat),
            "exvlint check": timed(env_py + ["-c", f"import sys; sys.path.insert(0, {src!r}); from exvlint.cli import main; "
                                                    f"sys.exit(main(['check', {tmp!r}, '--format', 'json', '--output', '/dev/null']))"],
                                   args.repeat),
        }
    base = runs["parse only (python-hcl2 tree)"][0]
    print(f"{args.roots} roots x {args.servers} servers, {files} files, median of {args.repeat} runs")
    for name, (seconds, peak) in runs.items():
        print(f"  {name:32s} {seconds / base:5.2f}x parse-only   ({seconds:.2f} s, peak {peak:.0f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
