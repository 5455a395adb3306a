// podnet web view: polls this agent's API about once a second and draws the cluster.
//
// Plain JavaScript, no build step, nothing loaded from elsewhere. Every string from the API reaches the
// page through textContent or an attribute (el() below), never as HTML. Stable hooks for tests and
// scripts: [data-node][data-status] per node card, [data-pod] per pod row with [data-field] cells,
// [data-tunnel="from->to"] per tunnel row, [data-from][data-to][data-ok] per matrix cell, and
// #banner[data-state] (none, unreachable, not-ready, partial). In the topology picture (SVG): [data-topo-node],
// [data-topo-pod], [data-pair="a|b"] per tunnel line, [data-link="from->to"][data-rate][data-impairment] per
// direction's label; a drawn trace is [data-trace-point="n"][data-hop-node][data-hop-component] per hop
// (#trace-path the line through them), its table rows [data-trace-hop="n"][data-hop-node][data-hop-component]
// [data-hop-action], and #trace-verdict[data-delivered].
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
    links: [],           // GET /api/v1/links: impaired links, {from, to, impairment, settings, stats}
    rates: new Map(),    // "from->to" -> frames per second the last poll saw the tunnel send
    trace: null,         // the last POST /api/v1/trace answer drawn on the picture
    traceRunning: false,
    problems: [],        // what could not be read on the last poll (partial view)
    reachable: null,     // null until the first poll ends
    unreachableError: null,
    lastContact: null,
    checkRunning: false,
  };
  const renderedSignatures = new Map();
  const previousCounters = new Map();
  const previousFrames = new Map();   // "from->to" -> {frames, at} of the last poll, for the rates

  // ---------------------------------------------------------------- DOM helpers

  /**
   * An element with attributes (values as text) and children (strings become text nodes); {@code namespace} for SVG.
   */
  function make(namespace, tag, attrs, children) {
    const element = namespace ? document.createElementNS(namespace, tag) : document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) {
        continue;
      }
      if (key === 'class' && !namespace) {
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

  function el(tag, attrs, ...children) {
    return make(null, tag, attrs, children);
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
    const [nodes, pods, check, links] = await Promise.all([
      call('GET', '/api/v1/nodes'),
      call('GET', '/api/v1/pods'),
      call('GET', '/api/v1/check'),
      call('GET', '/api/v1/links'),
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

    let linkList = state.links;
    if (links.status === 200 && links.json && Array.isArray(links.json.links)) {
      linkList = links.json.links;
    } else if (links.status !== 503) {
      problems.push(`links: ${describe(links)}`);
    }

    const now = performance.now();
    const rates = new Map();
    for (const [from, entry] of routes) {
      for (const line of entry.lines || []) {
        const key = `${from}->${line.node}`;
        const before = previousFrames.get(key);
        if (before && now > before.at && line.framesOut >= before.frames) {
          rates.set(key, (line.framesOut - before.frames) * 1000 / (now - before.at));
        }
        previousFrames.set(key, {frames: line.framesOut, at: now});
      }
    }

    Object.assign(state, {
      links: linkList, rates,
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
    renderTopology();
    renderTraceForm();
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

  // ---------------------------------------------------------------- the topology picture

  const SVG_NS = 'http://www.w3.org/2000/svg';
  const BOX = {w: 236, h: 178};

  /** An SVG element, as el() makes HTML ones. */
  function svg(tag, attrs, ...children) {
    return make(SVG_NS, tag, attrs, children);
  }

  /** Where each node's box, bridge, router and pods go: nodes on a circle (two side by side). */
  function layout() {
    const nodes = state.nodes;
    const n = nodes.length;
    const radius = n <= 1 ? 0 : n === 2 ? 300 : Math.max(310, n * (BOX.w + 130) / (2 * Math.PI));
    const boxes = new Map();
    const pods = new Map();
    nodes.forEach((node, i) => {
      const angle = n === 2 ? (i === 0 ? Math.PI : 0) : -Math.PI / 2 + 2 * Math.PI * i / Math.max(1, n);
      const cx = radius * Math.cos(angle);
      const cy = radius * 0.72 * Math.sin(angle);
      boxes.set(node.name, {x: cx - BOX.w / 2, y: cy - BOX.h / 2, cx, cy, node});
    });
    const xs = [...boxes.values()].map((b) => b.x);
    const ys = [...boxes.values()].map((b) => b.y);
    const minX = Math.min(0, ...xs) - 40;
    const minY = Math.min(0, ...ys) - 30;
    const width = Math.max(...xs, 0) + BOX.w + 40 - minX;
    const height = Math.max(...ys, 0) + BOX.h + 30 - minY;
    for (const box of boxes.values()) {
      box.x -= minX;
      box.y -= minY;
      box.cx -= minX;
      box.cy -= minY;
      box.router = {x: box.cx, y: box.y + 47};
      box.bridgeY = box.y + 96;
      const own = state.pods.filter((pod) => pod.node === box.node.name).slice(0, 6);
      own.forEach((pod, i) => {
        const x = box.x + 16 + (BOX.w - 32) * (i + 0.5) / own.length;
        pods.set(podKey(pod), {x, y: box.y + 134, node: box.node.name});
      });
    }
    return {boxes, pods, width, height};
  }

  /** The point on a box's border on the way to another box's center. */
  function edgeToward(from, to) {
    const dx = to.cx - from.cx;
    const dy = to.cy - from.cy;
    const scale = Math.min(Math.abs((BOX.w / 2) / (dx || 1e-9)), Math.abs((BOX.h / 2) / (dy || 1e-9)));
    return {x: from.cx + dx * scale, y: from.cy + dy * scale};
  }

  function pairs() {
    const result = new Map();
    for (const [from, entry] of state.routes) {
      for (const line of entry.lines || []) {
        const [a, b] = [from, line.node].sort();
        result.set(`${a}|${b}`, [a, b]);
      }
    }
    return [...result.values()];
  }

  function linkOf(from, to) {
    return state.links.find((link) => link.from === from && link.to === to) || null;
  }

  function renderTopology() {
    const container = document.getElementById('topology');
    if (!state.nodes.length) {
      renderInto('topology', 'empty', () => [el('p', {class: 'muted'}, 'no nodes')]);
      return;
    }
    const signature = JSON.stringify([state.nodes, state.pods, [...state.rates].map(([k, v]) => [k, Math.round(v * 10)]),
      state.links.map((l) => [l.from, l.to, l.impairment]), pairs(), state.trace && state.trace.id]);
    renderInto('topology', signature, () => {
      const geometry = layout();
      const picture = svg('svg', {viewBox: `0 0 ${Math.round(geometry.width)} ${Math.round(geometry.height)}`,
        width: Math.round(geometry.width), height: Math.round(geometry.height), role: 'img', 'aria-label': 'cluster topology'});
      picture.append(svg('defs', {}, svg('marker', {id: 'arrow', viewBox: '0 0 10 10', refX: 8, refY: 5,
        markerWidth: 6, markerHeight: 6, orient: 'auto-start-reverse'}, svg('path', {d: 'M0,0 L10,5 L0,10 z', fill: '#d6336c'}))));
      const labels = [];
      for (const [a, b] of pairs()) {
        const boxA = geometry.boxes.get(a);
        const boxB = geometry.boxes.get(b);
        if (!boxA || !boxB) {
          continue;
        }
        const forward = linkOf(a, b);
        const backward = linkOf(b, a);
        const impaired = Boolean(forward || backward);
        const partitioned = Boolean((forward && forward.settings && forward.settings.partition) ||
          (backward && backward.settings && backward.settings.partition));
        picture.append(svg('line', {class: 'tunnel', x1: boxA.cx, y1: boxA.cy, x2: boxB.cx, y2: boxB.cy,
          data: {pair: `${a}|${b}`, impaired: String(impaired), partitioned: String(partitioned)}}));
        labels.push(directionLabel(a, b, boxA, boxB, forward));
        labels.push(directionLabel(b, a, boxB, boxA, backward));
      }
      for (const box of geometry.boxes.values()) {
        picture.append(nodeGroup(box, geometry));
      }
      labels.forEach((label) => picture.append(label));
      if (state.trace) {
        picture.append(tracePath(state.trace, geometry));
      }
      return [picture];
    });
    container.dataset.nodes = String(state.nodes.length);
  }

  /**
   * The label of one direction of a tunnel, frames per second and the impairment on it, halfway between the two
   * boxes, on the right of the line as seen going that way (so the two directions never overlap).
   */
  function directionLabel(from, to, boxFrom, boxTo, link) {
    const start = edgeToward(boxFrom, boxTo);
    const end = edgeToward(boxTo, boxFrom);
    const x = (start.x + end.x) / 2;
    const y = (start.y + end.y) / 2;
    const length = Math.hypot(end.x - start.x, end.y - start.y) || 1;
    const ux = -(end.y - start.y) / length;
    const uy = (end.x - start.x) / length;
    const rate = state.rates.get(`${from}->${to}`);
    const rateText = rate === undefined ? '…' : `${rate < 10 ? rate.toFixed(1) : Math.round(rate)} f/s`;
    const at = (distance) => ({x: x + ux * distance, y: y + uy * distance + 4});
    const first = at(16);
    const second = at(31);
    return svg('g', {data: {link: `${from}->${to}`, rate: rate === undefined ? '' : rate.toFixed(1),
      impairment: link ? link.impairment : 'none'}},
      svg('text', {class: 'rate', x: first.x, y: first.y, 'text-anchor': 'middle'}, `${from} → ${to}: ${rateText}`),
      link ? svg('text', {class: 'impairment', x: second.x, y: second.y, 'text-anchor': 'middle'}, link.impairment) : null);
  }

  function nodeGroup(box, geometry) {
    const node = box.node;
    const status = node.status || 'Unknown';
    const group = svg('g', {data: {topoNode: node.name, status}},
      svg('rect', {class: 'node-box', x: box.x, y: box.y, width: BOX.w, height: BOX.h, rx: 8}),
      svg('text', {class: 'node-name', x: box.x + 10, y: box.y + 19}, node.name),
      svg('text', {class: 'muted-text', x: box.x + BOX.w - 10, y: box.y + 19, 'text-anchor': 'end'},
        `${status} · ${orDash(node.cidr)}`),
      svg('rect', {class: 'router', x: box.router.x - 58, y: box.router.y - 13, width: 116, height: 26, rx: 4}),
      svg('text', {x: box.router.x, y: box.router.y + 4, 'text-anchor': 'middle'}, `router ${orDash(node.gateway)}`),
      svg('line', {class: 'drop-line', x1: box.router.x, y1: box.router.y + 13, x2: box.router.x, y2: box.bridgeY}),
      svg('line', {class: 'bridge', x1: box.x + 12, y1: box.bridgeY, x2: box.x + BOX.w - 12, y2: box.bridgeY}),
      svg('text', {class: 'muted-text', x: box.x + 14, y: box.bridgeY - 7}, 'bridge'));
    const own = state.pods.filter((pod) => pod.node === node.name);
    for (const pod of own.slice(0, 6)) {
      const at = geometry.pods.get(podKey(pod));
      group.append(svg('g', {data: {topoPod: pod.name}},
        svg('line', {class: 'drop-line', x1: at.x, y1: box.bridgeY, x2: at.x, y2: at.y - 11}),
        svg('circle', {class: 'pod', cx: at.x, cy: at.y, r: 11}),
        svg('title', {}, `${pod.name} ${pod.ip} ${pod.mac}`),
        svg('text', {x: at.x, y: at.y + 26, 'text-anchor': 'middle'}, pod.name)));
    }
    if (own.length > 6) {
      group.append(svg('text', {class: 'muted-text', x: box.x + BOX.w - 10, y: box.y + BOX.h - 6, 'text-anchor': 'end'},
        `+${own.length - 6} more pods`));
    }
    return group;
  }

  /** A pod as traces name it: its name in default, namespace/name elsewhere. */
  function podKey(pod) {
    return !pod.namespace || pod.namespace === 'default' ? pod.name : `${pod.namespace}/${pod.name}`;
  }

  /** Where a hop happened in the picture. */
  function hopPoint(hops, i, geometry) {
    const hop = hops[i];
    const box = geometry.boxes.get(hop.node);
    if (!box) {
      return null;
    }
    const component = hop.component;
    if (component.startsWith('pod ')) {
      const at = geometry.pods.get(component.substring(4));
      return at ? {x: at.x, y: at.y} : {x: box.cx, y: box.bridgeY + 30};
    }
    if (component === 'anti-spoofing') {
      for (let j = i - 1; j >= 0; j--) {
        if (hops[j].node === hop.node && hops[j].component.startsWith('pod ')) {
          const at = geometry.pods.get(hops[j].component.substring(4));
          if (at) {
            return {x: at.x, y: (box.bridgeY + at.y) / 2};
          }
        }
      }
      return {x: box.cx, y: box.bridgeY + 10};
    }
    if (component === 'bridge') {
      return {x: box.cx, y: box.bridgeY};
    }
    if (component === 'router' || component === 'service' || component === 'cluster DNS') {
      return box.router; // kube-proxy's translation and the node's DNS answers happen where the router is
    }
    let peer = null;
    for (const j of [i + 1, i - 1, i + 2, i - 2]) {
      if (hops[j] && hops[j].node !== hop.node && geometry.boxes.has(hops[j].node)) {
        peer = geometry.boxes.get(hops[j].node);
        break;
      }
    }
    if (!peer) {
      return {x: box.cx, y: box.y + 4};
    }
    const edge = edgeToward(box, peer);
    if (component === 'link') {
      return {x: edge.x + (peer.cx - box.cx) * 0.08, y: edge.y + (peer.cy - box.cy) * 0.08};
    }
    return edge;
  }

  function tracePath(trace, geometry) {
    const hops = trace.hops || [];
    const points = [];
    const seen = new Map();
    hops.forEach((hop, i) => {
      const point = hopPoint(hops, i, geometry);
      if (!point) {
        return;
      }
      const key = `${Math.round(point.x)},${Math.round(point.y)}`;
      const repeat = seen.get(key) || 0;
      seen.set(key, repeat + 1);
      points.push({x: point.x + repeat * 9, y: point.y - repeat * 9, n: i + 1, hop});
    });
    const group = svg('g', {id: 'trace-drawing', data: {traceId: trace.id}});
    if (points.length > 1) {
      group.append(svg('polyline', {id: 'trace-path', class: 'trace-path', 'marker-end': 'url(#arrow)',
        points: points.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ')}));
    }
    for (const point of points) {
      group.append(svg('g', {data: {tracePoint: point.n, hopNode: point.hop.node, hopComponent: point.hop.component}},
        svg('circle', {class: 'trace-dot', cx: point.x, cy: point.y, r: 8, data: {action: point.hop.action}}),
        svg('text', {class: 'trace-num', x: point.x, y: point.y}, String(point.n)),
        svg('title', {}, `${point.n}. ${point.hop.node} ${point.hop.component}: ${point.hop.action} — ${point.hop.detail}`)));
    }
    return group;
  }

  // ---------------------------------------------------------------- the trace form and its result

  function renderTraceForm() {
    const names = state.pods.map((pod) => pod.name).sort();
    const signature = JSON.stringify(names);
    if (renderedSignatures.get('trace-form') !== signature) {
      renderedSignatures.set('trace-form', signature);
      const from = document.getElementById('trace-from');
      const chosen = from.value;
      from.replaceChildren(...names.map((name) => el('option', {value: name}, name)));
      if (names.includes(chosen)) {
        from.value = chosen;
      }
      document.getElementById('trace-targets').replaceChildren(...names.map((name) => el('option', {value: name})));
    }
    document.getElementById('run-trace').disabled = state.traceRunning || state.reachable === false || !names.length;
    document.getElementById('trace-port').disabled = document.getElementById('trace-protocol').value !== 'udp';
    renderInto('trace', state.trace ? state.trace.id : 'none', () => traceTable(state.trace));
  }

  function traceTable(trace) {
    if (!trace) {
      return [el('p', {class: 'muted'}, 'Pick two pods and press Trace: the packet\u2019s way is drawn on the picture, hop by hop.')];
    }
    const rows = (trace.hops || []).map((hop, i) => el('tr', {data: {traceHop: i + 1, hopNode: hop.node,
      hopComponent: hop.component, hopAction: hop.action}},
      el('td', {class: 'num'}, String(i + 1)),
      el('td', {class: 'num'}, `+${(hop.sinceStartUs / 1000).toFixed(3)} ms`),
      el('td', {}, hop.node), el('td', {}, hop.component), el('td', {}, hop.action),
      el('td', {class: 'detail'}, hop.detail,
        hop.headers ? el('div', {class: 'mono muted small'}, (hop.headersAfter ? 'in: ' : '') + hop.headers) : null,
        hop.headersAfter ? el('div', {class: 'mono muted small'}, `out: ${hop.headersAfter}`) : null)));
    return [
      el('p', {id: 'trace-verdict', class: 'verdict', data: {delivered: String(Boolean(trace.delivered)),
        replied: String(Boolean(trace.replied))}},
        `trace ${trace.id}: ${trace.from} → ${trace.to} (${trace.protocol}${trace.port ? ' ' + trace.port : ''}): ${trace.verdict}`),
      el('table', {},
        el('thead', {}, el('tr', {}, ['#', 'time', 'node', 'component', 'action', 'detail'].map((h) => el('th', {}, h)))),
        el('tbody', {}, rows))];
  }

  async function runTrace(event) {
    event.preventDefault();
    const label = document.getElementById('trace-state');
    const protocol = document.getElementById('trace-protocol').value;
    const body = {from: document.getElementById('trace-from').value, to: document.getElementById('trace-to').value.trim(),
      protocol};
    if (protocol === 'udp') {
      body.port = Number(document.getElementById('trace-port').value);
    }
    state.traceRunning = true;
    label.className = 'muted small';
    label.textContent = 'tracing…';
    render();
    try {
      const reply = await call('POST', '/api/v1/trace', body, 20000);
      if (reply.status === 200 && reply.json) {
        state.trace = reply.json;
        label.textContent = '';
      } else {
        label.className = 'error small';
        label.textContent = `trace failed: ${describe(reply)}`;
      }
    } catch (error) {
      label.className = 'error small';
      label.textContent = `trace failed: ${error.message || error}`;
    } finally {
      state.traceRunning = false;
      render();
    }
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
  document.getElementById('trace-form').addEventListener('submit', runTrace);
  document.getElementById('trace-protocol').addEventListener('change', render);
  poll();
})();
