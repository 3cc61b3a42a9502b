#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""idguard-settings driven as a person would, through the accessibility tree.

settings-window.py APP LOGDIR SERVICE UNIT

APP is idguard-settings, SERVICE a command that runs idguardctl as the
requesting service (tests/settings/settings-window.sh writes it), UNIT its
systemd unit name or empty. Needs DISPLAY, a session bus with AT-SPI and
the broker on DBUS_SYSTEM_BUS_ADDRESS. Screenshots go to LOGDIR as
settings-*.png. Identifiers read by the service are compared here and never
written to a log.
"""
import json
import os
import shutil
import subprocess
import sys
import time

from dogtail.config import config
config.checkForA11y = False
config.logDebugToFile = False
config.searchCutoffCount = 3
config.defaultDelay = 0.2
config.actionDelay = 0.2
from dogtail import tree  # noqa: E402

import gi  # noqa: E402
gi.require_version('Gdk', '3.0')
from gi.repository import Gdk  # noqa: E402

APP, LOG, SERVICE, UNIT = sys.argv[1:5]
IDS = dict(line.strip().split('=', 1) for line in open(os.path.join(LOG, 'ids.consented')) if '=' in line)
NAME = UNIT[:-len('.service')] if UNIT.endswith('.service') else 'idguardctl'
PHONE = (360, 720)
DESKTOP = (1024, 720)
T0 = time.monotonic()


def log(msg):
    print('[%6.1fs] %s' % (time.monotonic() - T0, msg), flush=True)


SEEN = []   # windows whose accessibility tree is dumped on failure


def dump(node, out, depth=0):
    try:
        out.write('%s%s "%s" %s\n' % ('  ' * depth, node.roleName, node.name, list(node.actions.keys())))
        for c in node.children:
            dump(c, out, depth + 1)
    except Exception as e:  # a window that went away
        out.write('%s(%s)\n' % ('  ' * depth, e))


def fail(msg):
    log('FAIL: ' + msg)
    with open(os.path.join(LOG, 'a11y-tree.txt'), 'w') as out:
        for w in SEEN:
            dump(w, out)
    log('accessibility tree of the windows in ' + os.path.join(LOG, 'a11y-tree.txt'))
    sys.exit(1)


def wait(what, fn, timeout=20.0):
    end = time.monotonic() + timeout
    while True:
        try:
            v = fn()
        except Exception:  # the tree changes under our feet: ask again
            v = None
        if v:
            return v
        if time.monotonic() > end:
            fail('timed out waiting for ' + what)
        time.sleep(0.2)


# ---- the service ----

def service(*args, stdin=None):
    p = subprocess.run([SERVICE] + list(args), input=stdin, capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout, p.stderr


def request(scopes, purpose):
    rc, out, err = service('--json', 'request', '--scope', scopes, '--purpose', purpose)
    if rc != 0:
        fail('the service could not ask: ' + err)
    return json.loads(out)['id']


def claim(req):
    rc, out, err = service('--json', 'claim', req)
    return rc, (json.loads(out).get('token') if rc == 0 else None), err


def read(kind, token):
    rc, out, _ = service('get', kind, stdin=token + '\n')
    return rc, out.strip()


# ---- the window ----

def launch(*args):
    return subprocess.Popen([APP] + list(args), stdout=open(os.path.join(LOG, 'app.log'), 'a'),
                            stderr=subprocess.STDOUT)


def accessible_app():
    # GTK registers on the accessibility bus with its first window
    return wait('idguard-settings on the accessibility bus',
                lambda: [a for a in tree.root.applications() if a.name == 'idguard-settings'])[0]


def quit_app(p):
    p.terminate()
    try:
        p.wait(10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def windows(app):
    return [w for w in app.children if w.roleName in ('frame', 'window', 'dialog')]


def window(app, title, timeout=20.0):
    w = wait('window "%s"' % title, lambda: [w for w in windows(app) if w.name == title], timeout)[0]
    SEEN.append(w)
    return w


def texts(node):
    return '\n'.join(n.name for n in node.findChildren(lambda n: n.roleName == 'label' and n.name,
                                                       showingOnly=False))


def find(node, name, role):
    return wait('%s "%s"' % (role, name),
                lambda: node.findChild(lambda n: n.name == name and n.roleName == role,
                                       retry=False, requireResult=False, showingOnly=False))


def press_named(container, name, role):
    """find and press; the pages are rebuilt when the broker's data changes,
    so a node found earlier may be gone: look again"""
    end = time.monotonic() + 20
    while True:
        node = find(container, name, role)
        try:
            return press(node)
        except gi.repository.GLib.GError:
            if time.monotonic() > end:
                raise
            time.sleep(0.3)


def press(node):
    names = list(node.actions.keys())
    for want in ('click', 'activate', 'press', 'toggle'):
        if want in names:
            node.doActionNamed(want)
            return
    fail('%s "%s" has no action to press (%s)' % (node.roleName, node.name, names))


def screenshot(name, size):
    time.sleep(0.8)   # let the last frame be drawn
    root = Gdk.get_default_root_window()
    pix = Gdk.pixbuf_get_from_window(root, 0, 0, size[0], size[1])
    path = os.path.join(LOG, 'settings-%s.png' % name)
    pix.savev(path, 'png', [], [])
    log('screenshot ' + path)


def expect_prompt(app, purpose, kinds):
    w = window(app, 'Access to modem identifiers')
    blob = words = texts(w)
    for want in [purpose, NAME] + kinds:
        if want not in blob:
            fail('the prompt does not say "%s"; it says: %r' % (want, words))
    if UNIT and ('System service ' + UNIT) not in blob:
        fail('the prompt does not name the unit: %r' % words)
    if 'Runs as user nobody (uid 65534)' not in blob and 'Runs as uid 65534' not in blob:
        fail('the prompt does not say which user: %r' % words)
    for value in IDS.values():
        if value in blob:
            fail('the prompt shows an identifier value')
    return w


def gone(app, title):
    return not [w for w in windows(app) if w.name == title]


def proxy_client():
    """ModemManager's way in, without consent: qmicli through the broker's
    QMI door gets stand-in values (the report's rewrites)."""
    qmicli = shutil.which('qmicli')
    if not qmicli:
        log('qmicli not installed: no proxy client in the report')
        return
    p = subprocess.run([qmicli, '-p', '-d', os.path.join(LOG, 'qmi'), '--device-open-qmi', '--dms-get-ids'],
                       capture_output=True, text=True, timeout=30)
    if p.returncode != 0:
        fail('qmicli through the door failed: ' + p.stderr)
    for value in IDS.values():
        if value in p.stdout:
            fail('qmicli without consent got a real identifier')
    log('qmicli without consent: stand-in values')


def main():
    proxy_client()

    # 1. phone size: a prompt, answered "Allow for 1 day"; the service reads
    p = launch('--size', '%dx%d' % PHONE)
    app = accessible_app()
    window(app, 'Modem identifiers')
    purpose1 = 'Sync your chats to a new phone'
    req = request('imei,msisdn', purpose1)
    log('request ' + req)
    w = expect_prompt(app, purpose1, ['IMEI', 'Phone number'])
    screenshot('prompt-phone', PHONE)
    rc, tok, err = claim(req)
    if rc == 0:
        fail('the service claimed a token before anyone answered')
    press_named(w, 'Allow for 1 day', 'push button')
    wait('the prompt to close', lambda: gone(app, 'Access to modem identifiers'))
    rc, tok, err = claim(req)
    if rc != 0 or not tok:
        fail('the service could not claim after "Allow for 1 day": ' + err)
    rc, value = read('imei', tok)
    if rc != 0 or value != IDS['imei']:
        fail('the service did not read its IMEI after consent (exit %d)' % rc)
    rc, value = read('msisdn', tok)
    if rc != 0 or value != IDS['msisdn']:
        fail('the service did not read its phone number after consent (exit %d)' % rc)
    rc, value = read('imsi', tok)
    if rc != 1:
        fail('the service read an identifier it was not given (exit %d)' % rc)
    log('the service read what it was allowed, and only that')

    # 2. the services page lists it; its switch revokes at once
    main_w = window(app, 'Modem identifiers')
    wait('the grant on the services page', lambda: 'Expires in 1 day' in texts(main_w))
    wait('the services page to count the reads', lambda: '2 released · 0 rewritten · 1 refused' in texts(main_w))
    screenshot('services-phone', PHONE)
    press_named(main_w, 'Allow %s to read IMEI and phone number' % NAME, 'check box')
    wait('the services page to show the revoke', lambda: 'Revoked' in texts(main_w))
    time.sleep(1)
    # an error toast stays until dismissed (the success toast goes after 5 s)
    if 'The broker answered' in texts(main_w):
        fail('revoking showed an error: %r' % texts(main_w))
    rc, value = read('imei', tok)
    if rc != 1:
        fail('the service still reads after the switch was turned off (exit %d)' % rc)
    log('revoked from the services page: the service is refused at once')
    screenshot('services-revoked-phone', PHONE)
    press_named(main_w, 'Privacy report', 'page tab')
    # per identifier of the service: what it read, what it was refused
    for want in ('IMEI\n1 released · 0 rewritten · 1 refused', 'Phone number\n1 released · 0 rewritten · 0 refused',
                 'IMSI\n0 released · 0 rewritten · 1 refused'):
        wait('the report to say "%s"' % want.replace('\n', ': '), lambda: want in texts(main_w))
    screenshot('report-phone', PHONE)
    quit_app(p)

    # 3. desktop size: "Allow once"
    p = launch('--size', '%dx%d' % DESKTOP)
    app = accessible_app()
    window(app, 'Modem identifiers')
    purpose2 = 'Register this device for theft protection'
    req = request('imei', purpose2)
    w = expect_prompt(app, purpose2, ['IMEI'])
    screenshot('prompt-desktop', DESKTOP)
    press_named(w, 'Allow once', 'push button')
    wait('the prompt to close', lambda: gone(app, 'Access to modem identifiers'))
    rc, tok, err = claim(req)
    if rc != 0:
        fail('no token after "Allow once": ' + err)
    rc, value = read('imei', tok)
    if rc != 0 or value != IDS['imei']:
        fail('no IMEI after "Allow once"')
    main_w = window(app, 'Modem identifiers')
    wait('the grant on the services page', lambda: 'Expires in 5 minutes' in texts(main_w))
    screenshot('services-desktop', DESKTOP)
    press_named(main_w, 'Privacy report', 'page tab')
    wait('the report to count the new read', lambda: 'IMEI\n2 released · 0 rewritten · 1 refused' in texts(main_w))
    screenshot('report-desktop', DESKTOP)
    quit_app(p)

    # 4. the agent: prompts only; Deny; a request decided elsewhere closes its prompt
    p = launch('--agent', '--size', '%dx%d' % PHONE)
    purpose3 = 'Show ads that match your carrier'
    req = request('imsi', purpose3)
    app = accessible_app()
    w = expect_prompt(app, purpose3, ['IMSI'])
    if [x for x in windows(app) if x.name == 'Modem identifiers']:
        fail('the agent opened the main window')
    press_named(w, 'Deny', 'push button')
    wait('the prompt to close', lambda: gone(app, 'Access to modem identifiers'))
    rc, tok, err = claim(req)
    if rc != 1:
        fail('a denied request was claimed (exit %d)' % rc)
    req = request('iccid', 'Check the SIM card')
    expect_prompt(app, 'Check the SIM card', ['SIM card number'])
    ctl = os.path.join(os.environ['IDG_BUILD'], 'userspace', 'ctl', 'idguardctl')
    subprocess.run([ctl, 'deny', req], check=True, capture_output=True)
    wait('the prompt of a request decided elsewhere to close',
         lambda: gone(app, 'Access to modem identifiers'), timeout=10)
    log('agent: denied from the prompt; a request decided elsewhere closed its prompt')
    # at most 3 prompts at once; the 4th waits until one closes
    reqs = [request('eid', 'Request %d of a burst' % i) for i in range(4)]
    wait('3 prompts', lambda: len([x for x in windows(app) if x.name == 'Access to modem identifiers']) == 3)
    time.sleep(3)
    if len([x for x in windows(app) if x.name == 'Access to modem identifiers']) != 3:
        fail('more than 3 prompts at once')
    def shown():
        blob = '\n'.join(texts(x) for x in windows(app) if x.name == 'Access to modem identifiers')
        return [i for i in range(4) if 'Request %d of a burst' % i in blob]
    first = wait('the 3 prompts to be filled', lambda: len(shown()) == 3 and shown())
    waiting = [i for i in range(4) if i not in first][0]
    subprocess.run([ctl, 'deny', reqs[first[0]]], check=True, capture_output=True)
    wait('the waiting request\'s prompt', lambda: waiting in shown())
    for r in reqs:
        subprocess.run([ctl, 'deny', r], capture_output=True)
    wait('every prompt of the burst to close', lambda: gone(app, 'Access to modem identifiers'), timeout=20)
    log('agent: a burst of 4 requests showed 3 prompts at once, the 4th when one closed, and all closed when denied')
    quit_app(p)
    log('pass')


main()
