// podnet web view: polls this agent's API about once a second and draws the cluster.
//
// Plain JavaScript, no build step, nothing loaded from elsewhere. Every string from the API reaches the
// page through textContent or an attribute (el() below), never as HTML. Stable hooks for tests and
// scripts: [data-node][data-status] per node card, [data-pod] per pod row with [data-field] cells,
// [data-tunnel="from->to"] per tunnel row, [data-from][data-to][data-ok] per matrix cell, and
// #banner[data-state] (none, unreachable, not-ready, partial).
'use strict';

(function () {
  const POLL_MS = 1000;
  const TIMEOUT_MS = 3000;
  const CHECK_TIMEOUT_MS = 120000;

  const state = {
    self: null,          // GET /api/v1/node: {name, mode, cidr, ready, reason, members}
    clusterApi: true,    // false when this agent has no /api/v1/nodes (404): it shows itself only
    nodes: [],
    pods: [],
    routes: new Map(),   // node name -> {lines} or {error}
    check: null,         // the last GET/POST /api/v1/check answer, null before the first check
    problems: [],        // what could not be read on the last poll (partial view)
    reachable: null,     // null until the first poll ends
    unreachableError: null,
    lastContact: null,
    checkRunning: false,
  };
  const renderedSignatures = new Map();
  const previousCounters = new Map();

  // ---------------------------------------------------------------- DOM helpers

  /** An element with attributes (values as text) and children (strings become text nodes). */
  function el(tag, attrs, ...children) {
    const element = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) {
        continue;
      }
      if (key === 'class') {
        element.className = value;
      } else if (key === 'data') {
        for (const [name, v] of Object.entries(value)) {
          if (v !== null && v !== undefined) {
            element.dataset[name] = String(v);
          }
        }
      } else {
        element.setAttribute(key, String(value));
      }
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined) {
        continue;
      }
      element.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return element;
  }

  /** Replaces a container's children only when what it shows changed (keeps hovers and selections). */
  function renderInto(id, signature, build) {
    if (renderedSignatures.get(id) === signature) {
      return;
    }
    renderedSignatures.set(id, signature);
    document.getElementById(id).replaceChildren(...build());
  }

  function clock(date) {
    return date.toLocaleTimeString([], {hour12: false});
  }

  function orDash(value) {
    return value === null || value === undefined || value === '' ? '—' : String(value);
  }

  // ---------------------------------------------------------------- API

  class Unreachable extends Error {
  }

  // An agent started with an API token answers 401 until the page sends it: ask once, keep it for this tab.
  const TOKEN_KEY = 'podnet-api-token';
  let tokenAsked = false;

  function authorize(response) {
    if (response.status !== 401 || tokenAsked) {
      return false;
    }
    tokenAsked = true;
    const token = window.prompt('This agent needs its API token (its --api-token-file or PODNET_API_TOKEN):');
    if (token) {
      sessionStorage.setItem(TOKEN_KEY, token.trim());
      tokenAsked = false;
      return true;
    }
    return false;
  }

  /** {status, json}; throws Unreachable when the agent does not answer at all. */
  async function call(method, path, body, timeoutMs) {
    const limit = timeoutMs || TIMEOUT_MS;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), limit);
    try {
      const headers = body === undefined ? {} : {'Content-Type': 'application/json'};
      const token = sessionStorage.getItem(TOKEN_KEY);
      if (token) {
        headers.Authorization = `Bearer ${token}`;
      }
      const response = await fetch(path, {
        method,
        cache: 'no-store',
        signal: abort.signal,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (authorize(response)) {
        return call(method, path, body, timeoutMs);
      }
      const text = await response.text();
      let json = null;
      try {
        json = text ? JSON.parse(text) : null;
      } catch (ignored) {
        json = null;
      }
      return {status: response.status, json, text};
    } catch (error) {
      throw new Unreachable(error && error.name === 'AbortError'
        ? `no answer within ${limit} ms` : String((error && error.message) || error));
    } finally {
      clearTimeout(timer);
    }
  }

  function describe(reply) {
    if (reply.json && reply.json.error) {
      return `${reply.status} ${reply.json.error}: ${reply.json.detail || ''}`.trim();
    }
    return `HTTP ${reply.status}`;
  }

  async function refresh() {
    const selfReply = await call('GET', '/api/v1/node');
    const self = selfReply.status === 200 && selfReply.json ? selfReply.json : null;
    const [nodes, pods, check] = await Promise.all([
      call('GET', '/api/v1/nodes'),
      call('GET', '/api/v1/pods'),
      call('GET', '/api/v1/check'),
    ]);
    const problems = [];

    let nodeList;
    let clusterApi = true;
    if (nodes.status === 200 && Array.isArray(nodes.json)) {
      nodeList = nodes.json;
    } else {
      // not ready (503), or an agent without the cluster-wide API (404): show this node alone
      clusterApi = nodes.status !== 404;
      nodeList = self ? [selfAsNode(self)] : [];
      if (nodes.status !== 503 && nodes.status !== 404) {
        problems.push(`nodes: ${describe(nodes)}`);
      }
    }

    let podList = [];
    if (pods.status === 200 && Array.isArray(pods.json)) {
      podList = pods.json;
    } else if (pods.status !== 503) {
      problems.push(`pods: ${describe(pods)}`);
    }

    const routes = new Map();
    await Promise.all(nodeList.filter((node) => node.status === 'Ready').map(async (node) => {
      const path = clusterApi
        ? `/api/v1/nodes/${encodeURIComponent(node.name)}/routes`
        : '/api/v1/routes';
      const reply = await call('GET', path);
      if (reply.status === 200 && Array.isArray(reply.json)) {
        routes.set(node.name, {lines: reply.json});
      } else {
        routes.set(node.name, {error: describe(reply)});
      }
    }));

    let last = state.check;
    if (check.status === 200 && check.json) {
      last = check.json;
    } else if (check.status === 404 || check.status === 503) {
      last = state.checkRunning ? state.check : null;
    } else {
      problems.push(`check: ${describe(check)}`);
    }

    Object.assign(state, {
      self, clusterApi, nodes: nodeList, pods: podList, routes, check: last, problems,
      reachable: true, unreachableError: null, lastContact: new Date(),
    });
  }

  function selfAsNode(self) {
    return {
      name: self.name, address: null, api: location.host, cidr: self.cidr, gateway: gatewayOf(self.cidr),
      status: self.ready ? 'Ready' : 'NotReady', reason: self.reason, pods: null, tunnel: null,
    };
  }

  function gatewayOf(cidr) {
    const match = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/\d+$/.exec(cidr || '');
    return match ? `${match[1]}.${match[2]}.${match[3]}.${Number(match[4]) + 1}` : null;
  }

  // ---------------------------------------------------------------- rendering

  function render() {
    renderHeader();
    renderBanner();
    renderNodes();
    renderTunnels();
    renderCheck();
  }

  function renderHeader() {
    const self = state.self;
    document.getElementById('served-by').textContent = self
      ? `served by ${self.name} (${self.mode}) at ${location.host}` : `at ${location.host}`;
    document.getElementById('updated').textContent = state.lastContact
      ? `updated ${clock(state.lastContact)}` : '';
    if (self) {
      document.title = `podnet: ${self.name}`;
    }
  }

  function renderBanner() {
    const banner = document.getElementById('banner');
    let kind = 'none';
    let text = '';
    if (state.reachable === false) {
      kind = 'unreachable';
      text = `Cannot reach the podnet agent at ${location.host} (${state.unreachableError}). ` +
        'It may have stopped; retrying every second.' +
        (state.lastContact ? ` Last answer at ${clock(state.lastContact)}; what is shown below is from then.` : '');
    } else if (state.self && !state.self.ready) {
      kind = 'not-ready';
      text = `This agent (${state.self.name}) is not ready: ${state.self.reason}`;
    } else if (state.problems.length) {
      kind = 'partial';
      text = `Part of the view could not be read: ${state.problems.join('; ')}`;
    } else if (state.self && !state.clusterApi) {
      kind = 'partial';
      text = `This agent has no cluster-wide API (/api/v1/nodes): showing ${state.self.name} only.`;
    }
    banner.dataset.state = kind;
    banner.textContent = text;
    banner.hidden = kind === 'none';
    document.body.classList.toggle('stale', state.reachable === false);
  }

  function renderNodes() {
    const byNode = new Map(state.nodes.map((node) => [node.name, []]));
    const unlisted = new Map();
    for (const pod of state.pods) {
      const list = byNode.get(pod.node) || unlisted.get(pod.node) || [];
      (byNode.has(pod.node) ? byNode : unlisted).set(pod.node, list);
      list.push(pod);
    }
    const selfName = state.self ? state.self.name : null;
    const signature = JSON.stringify([state.nodes, state.pods, selfName]);
    renderInto('nodes', signature, () => {
      const cards = state.nodes.map((node) => nodeCard(node, byNode.get(node.name), node.name === selfName));
      for (const [name, pods] of unlisted) {
        cards.push(nodeCard({name, status: 'Unlisted', reason: 'not in the node list (any more)'}, pods, false));
      }
      return cards.length ? cards : [el('p', {class: 'muted'}, 'no nodes')];
    });
  }

  function nodeCard(node, pods, isSelf) {
    const status = node.status || 'Unknown';
    return el('article', {class: 'node', data: {node: node.name, status}},
      el('h3', {},
        el('span', {data: {field: 'name'}}, node.name),
        el('span', {class: 'status', data: {status, field: 'status'}}, status),
        isSelf ? el('span', {class: 'self'}, 'this agent') : null),
      node.reason ? el('p', {class: 'reason', data: {field: 'reason'}}, node.reason) : null,
      el('dl', {},
        el('dt', {}, 'CIDR'), el('dd', {data: {field: 'cidr'}}, orDash(node.cidr)),
        el('dt', {}, 'gateway'), el('dd', {data: {field: 'gateway'}}, orDash(node.gateway)),
        el('dt', {}, 'tunnel'), el('dd', {data: {field: 'tunnel'}}, orDash(node.tunnel)),
        el('dt', {}, 'API'), el('dd', {data: {field: 'api'}}, orDash(node.api)),
        el('dt', {}, 'cluster'), el('dd', {data: {field: 'address'}}, orDash(node.address))),
      pods && pods.length
        ? el('table', {class: 'pods'},
          el('thead', {}, el('tr', {}, el('th', {}, 'pod'), el('th', {}, 'IP'), el('th', {}, 'MAC'))),
          el('tbody', {}, pods.map((pod) => el('tr', {data: {pod: pod.name}},
            el('td', {data: {field: 'name'}}, pod.name),
            el('td', {class: 'mono', data: {field: 'ip'}}, pod.ip),
            el('td', {class: 'mono', data: {field: 'mac'}}, pod.mac)))))
        : el('p', {class: 'muted'}, status === 'Ready' ? 'no pods' : 'no pods known'));
  }

  function renderTunnels() {
    const rows = [];
    const names = [...state.routes.keys()].sort();
    for (const from of names) {
      const entry = state.routes.get(from);
      if (entry.error) {
        rows.push({from, error: entry.error});
        continue;
      }
      for (const line of [...entry.lines].sort((a, b) => String(a.node).localeCompare(String(b.node)))) {
        rows.push({from, line});
      }
    }
    const changed = new Set();
    const seen = new Map();
    for (const row of rows.filter((r) => r.line)) {
      for (const field of ['framesOut', 'framesIn']) {
        const key = `${row.from}->${row.line.node}:${field}`;
        const before = previousCounters.get(key);
        if (before !== undefined && before !== row.line[field]) {
          changed.add(key);
        }
        seen.set(key, row.line[field]);
      }
    }
    previousCounters.clear();
    seen.forEach((value, key) => previousCounters.set(key, value));

    renderInto('tunnels', JSON.stringify(rows), () => {
      if (!rows.length) {
        const ready = state.nodes.filter((node) => node.status === 'Ready').length;
        return [el('p', {class: 'muted'},
          ready === 0 ? 'no tunnels: no node is Ready' : ready === 1 ? 'no tunnels: a single Ready node' : 'no tunnels (yet)')];
      }
      const counter = (row, field) => el('td', {
        class: changed.has(`${row.from}->${row.line.node}:${field}`) ? 'num flash' : 'num',
        data: {field},
      }, String(row.line[field]));
      return [el('table', {class: 'tunnels'},
        el('thead', {}, el('tr', {},
          el('th', {}, 'from'), el('th', {}, 'to'), el('th', {}, 'pod CIDR'), el('th', {}, 'endpoint'),
          el('th', {}, 'state'), el('th', {title: 'frames from sent to to'}, 'frames out'),
          el('th', {title: 'frames from got from to'}, 'frames in'))),
        el('tbody', {}, rows.map((row) => row.error
          ? el('tr', {data: {tunnelError: row.from}},
            el('td', {}, row.from), el('td', {class: 'error', colspan: 6}, `routes unavailable: ${row.error}`))
          : el('tr', {data: {tunnel: `${row.from}->${row.line.node}`, from: row.from, to: row.line.node,
              state: row.line.tunnel}},
            el('td', {data: {field: 'from'}}, row.from),
            el('td', {data: {field: 'to'}}, row.line.node),
            el('td', {class: 'mono', data: {field: 'cidr'}}, row.line.cidr),
            el('td', {class: 'mono', data: {field: 'endpoint'}}, `${row.line.host}:${row.line.port}`),
            el('td', {data: {field: 'state'}}, orDash(row.line.tunnel)),
            counter(row, 'framesOut'),
            counter(row, 'framesIn')))))];
    });
  }

  function startedAt(check) {
    const value = check.startedAt;
    const date = typeof value === 'number' ? new Date(value) : new Date(Date.parse(value));
    return isNaN(date.getTime()) ? null : date;
  }

  function renderCheck() {
    const button = document.getElementById('run-check');
    button.disabled = state.checkRunning || state.reachable === false;
    const check = state.check;
    const summary = document.getElementById('check-summary');
    if (!check) {
      summary.textContent = '';
      summary.dataset.ok = '';
      renderInto('matrix', 'none', () => [el('p', {class: 'muted', data: {empty: 'true'}},
        'No check has run on this agent yet: press Run check (POST /api/v1/check).')]);
      return;
    }
    const when = startedAt(check);
    const allOk = check.ok === check.pairs && (check.failed || []).length === 0;
    summary.dataset.ok = String(allOk);
    summary.textContent = `ran at ${when ? when.toLocaleString() : orDash(check.startedAt)}` +
      (when ? ` (${Math.max(0, Math.round((Date.now() - when.getTime()) / 1000))} s ago)` : '') +
      `, took ${orDash(check.durationMs)} ms: ${check.ok} of ${check.pairs} pairs ok`;

    renderInto('matrix', JSON.stringify([check, state.pods.map((pod) => [pod.name, pod.node])]), () => {
      const podNode = new Map(state.pods.map((pod) => [pod.name, pod.node]));
      const names = Array.isArray(check.pods) && check.pods.length
        ? check.pods
        : [...new Set((check.matrix || []).flatMap((cell) => [cell.from, cell.to]))];
      const cells = new Map((check.matrix || []).map((cell) => [`${cell.from}\u0000${cell.to}`, cell]));
      const header = (name, attrs) => el('th', attrs, name,
        podNode.has(name) ? el('span', {class: 'node-of'}, podNode.get(name)) : null);
      const table = el('table', {data: {startedAt: check.startedAt}},
        el('thead', {}, el('tr', {}, el('th', {}, 'from \\ to'), names.map((to) => header(to, {data: {col: to}})))),
        el('tbody', {}, names.map((from) => el('tr', {data: {row: from}},
          header(from, {scope: 'row'}),
          names.map((to) => {
            const cell = cells.get(`${from}\u0000${to}`);
            if (!cell) {
              return el('td', {class: 'self', data: {from, to}}, '—');
            }
            const title = cell.ok
              ? `${from} → ${to}: ok` + (cell.rttUs !== undefined && cell.rttUs !== null
                ? `, ${(cell.rttUs / 1000).toFixed(2)} ms` : '')
              : `${from} → ${to}: ${orDash(cell.error)}`;
            return el('td', {title, data: {from, to, ok: String(Boolean(cell.ok))}}, cell.ok ? 'ok' : '✗');
          })))));
      const failed = (check.failed || []).map((f) =>
        el('li', {class: 'error', data: {failedFrom: f.from, failedTo: f.to}}, `${f.from} → ${f.to}: ${f.error}`));
      return failed.length ? [table, el('ul', {}, failed)] : [table];
    });
  }

  // ---------------------------------------------------------------- the loop and the button

  async function poll() {
    try {
      await refresh();
    } catch (error) {
      if (!(error instanceof Unreachable)) {
        console.error(error);
      }
      state.reachable = false;
      state.unreachableError = error.message || String(error);
    }
    try {
      render();
    } finally {
      setTimeout(poll, POLL_MS);
    }
  }

  async function runCheck() {
    const label = document.getElementById('check-state');
    state.checkRunning = true;
    label.className = 'muted small';
    label.textContent = 'running…';
    render();
    try {
      const reply = await call('POST', '/api/v1/check', {}, CHECK_TIMEOUT_MS);
      if (reply.status === 200 && reply.json) {
        state.check = reply.json;
        label.textContent = '';
      } else {
        label.className = 'error small';
        label.textContent = `check failed: ${describe(reply)}`;
      }
    } catch (error) {
      label.className = 'error small';
      label.textContent = `check failed: ${error.message || error}`;
    } finally {
      state.checkRunning = false;
      render();
    }
  }

  document.getElementById('run-check').addEventListener('click', runCheck);
  poll();
})();
