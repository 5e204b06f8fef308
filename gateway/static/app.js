// The web UI: plain JavaScript against the gateway's own API, no build step.
// The API key lives in localStorage (or comes once in the URL fragment, /#key=..., which
// is never sent); every request, streams too (sse.js), sends it as Authorization: Bearer.
"use strict";

const $ = (sel) => document.querySelector(sel);
const state = {
  key: "", current: null, convs: new Map(), members: new Map(), stream: null, mine: null,
  me: null, pendingTimer: null,
};

const KIND_LABEL = {
  chat_message: "discussion", task_assign: "task", task_progress: "progress",
  task_result: "result", task_failed: "failed", task_cancelled: "cancelled",
  pause: "pause", conclude: "concluding", conclusion: "conclusion",
};

function toast(text) {
  const el = $("#toast");
  el.textContent = text;
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { el.hidden = true; }, 4000);
}

async function api(path, options = {}) {
  const headers = { "Authorization": `Bearer ${state.key}`, ...(options.headers || {}) };
  if (options.body) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { ...options, headers });
  const body = response.headers.get("content-type")?.includes("json") ? await response.json() : null;
  if (!response.ok) {
    const why = body?.detail || response.statusText;
    if (!options.quiet) toast(`${response.status}: ${why}`);
    throw new Error(why);
  }
  return body;
}

function colour(name) {
  let h = 0;
  for (const c of name) h = (h * 31 + c.charCodeAt(0)) % 360;
  return `hsl(${h} 55% 45%)`;
}

function initials(name) {
  const bare = name.replace(/^user:/, "");
  const parts = bare.split(/[-_ :]+/).filter(Boolean);
  return ((parts[0]?.[0] || "?") + (parts[1]?.[0] || parts[0]?.[1] || "")).toUpperCase();
}

function avatar(name) {
  const el = document.createElement("div");
  el.className = "avatar";
  el.style.background = name.startsWith("user:") ? "#1d2330" : colour(name);
  el.textContent = initials(name);
  el.title = name;
  return el;
}

function textOf(env) {
  const b = env.body || {};
  switch (env.type) {
    case "chat_message": return b.text || (b.parts || []).map((p) => p.text || "").join("\n");
    case "task_assign": return `→ ${b.assignee}: ${b.description}`;
    case "task_progress": return `${b.text || ""}${b.percent != null ? ` (${b.percent}%)` : ""}`;
    case "task_result": return b.text;
    case "task_failed": return b.reason;
    case "task_cancelled": return b.reason || "cancelled";
    case "pause": return `waiting for ${(b.triggers || []).join(", ")}${b.reason ? ` — ${b.reason}` : ""}`;
    case "conclude": return b.reason || "writing the conclusion";
    case "conclusion": return b.text;
    default: return JSON.stringify(b);
  }
}

function roleOf(sender) {
  if (sender === "coordinator") return "coordinator";
  if (sender.startsWith("user:")) return state.me && sender !== state.me ? "person" : "you";
  return state.members.get(sender)?.role || "member";
}

function addMessage(seq, env) {
  if (document.querySelector(`#messages [data-seq="${seq}"]`)) return;
  const li = document.createElement("li");
  li.className = `msg ${env.type}`;
  li.dataset.seq = seq;
  li.dataset.kind = env.type;
  const bubble = document.createElement("div");
  bubble.className = "bubble";
  const meta = document.createElement("div");
  meta.className = "meta";
  const when = env.ts ? new Date(env.ts).toLocaleTimeString() : "";
  meta.innerHTML = `<span class="who"></span><span class="role"></span><span class="kind"></span><span>${when}</span>`;
  meta.querySelector(".who").textContent = env.sender;
  meta.querySelector(".role").textContent = roleOf(env.sender);
  meta.querySelector(".kind").textContent = KIND_LABEL[env.type] || env.type;
  const text = document.createElement("div");
  text.className = "text";
  text.textContent = textOf(env);
  bubble.append(meta, text);
  li.append(avatar(env.sender), bubble);
  $("#messages").append(li);
  li.scrollIntoView({ block: "end" });
}

function renderState(s) {
  state.convs.set(s.conversation, { ...state.convs.get(s.conversation), ...s });
  renderList();
  if (s.conversation !== state.current) return;
  $("#chat-goal").textContent = s.goal;
  const badge = $("#chat-state");
  badge.textContent = s.state;
  badge.className = `state ${s.state}`;
  badge.dataset.state = s.state;
  const trace = $("#trace");
  trace.innerHTML = "";
  if (s.trace_id) {
    const a = document.createElement("a");
    a.href = `#trace=${s.trace_id}`;
    a.title = "show the trace as a waterfall";
    a.textContent = `trace ${s.trace_id}`;
    a.addEventListener("click", (e) => {
      e.preventDefault();
      toggleTrace(s.conversation, s.trace_id);
    });
    trace.append(a);
  }
  state.members = new Map((s.members || []).map((m) => [m.agent, m]));
  const team = $("#team");
  team.innerHTML = "";
  for (const m of s.members || []) {
    const li = document.createElement("li");
    const info = document.createElement("div");
    info.innerHTML = `<strong></strong> <span class="state"></span><div class="reason"></div>`;
    info.querySelector("strong").textContent = m.agent;
    info.querySelector(".state").textContent = m.role;
    info.querySelector(".reason").textContent = m.reason || "";
    li.append(avatar(m.agent), info);
    team.append(li);
  }
  for (const column of document.querySelectorAll("#tasks .column")) {
    column.querySelectorAll(".card").forEach((c) => c.remove());
  }
  for (const t of s.tasks || []) {
    const outcome = t.outcome === "done" || t.outcome === "pending" ? t.outcome : "failed";
    const card = document.createElement("div");
    card.className = "card";
    card.textContent = `${t.assignee}: ${t.description}`;
    if (t.result) card.title = t.result;
    document.querySelector(`#tasks .column[data-outcome="${outcome}"]`).append(card);
  }
  const secs = s.usage?.seconds ?? (new Date(s.updated_at) - new Date(s.created_at)) / 1000;
  $("#usage").textContent = `${s.turns} turns · ${s.tokens} tokens · ${secs.toFixed(1)} s`;
}

async function toggleTrace(conversation, traceId) {
  const el = $("#waterfall");
  if (!el.hidden && el.dataset.trace === traceId) {
    el.hidden = true;
    return;
  }
  el.hidden = false;
  el.dataset.trace = traceId;
  el.textContent = "loading the trace…";
  try {
    Waterfall.render(el, await api(`/v1/conversations/${conversation}/trace`), colour);
  } catch (err) {
    el.textContent = `no trace to show here: ${err.message}`;
  }
}

function renderList() {
  const ul = $("#conversations");
  ul.innerHTML = "";
  const convs = [...state.convs.values()].sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
  for (const c of convs) {
    const li = document.createElement("li");
    li.dataset.id = c.conversation;
    if (c.conversation === state.current) li.className = "active";
    li.innerHTML = `<span class="goal"></span><span class="state ${c.state}"></span>`;
    li.querySelector(".goal").textContent = c.goal;
    li.querySelector(".state").textContent = c.state;
    li.addEventListener("click", () => open(c.conversation));
    ul.append(li);
  }
}

function open(id) {
  if (state.stream) state.stream.close();
  state.current = id;
  $("#messages").innerHTML = "";
  $("#waterfall").hidden = true;
  $("#post-form").hidden = false;
  const known = state.convs.get(id);
  if (known) renderState(known);
  renderList();
  const es = new KeyedEventSource(`/v1/conversations/${id}/events`, state.key, {
    state: (e) => renderState(JSON.parse(e.data)),
    message: (e) => {
      const m = JSON.parse(e.data);
      addMessage(m.seq, m.envelope);
    },
    end: () => es.close(),
    error: (e) => toast(JSON.parse(e.data).detail),
  });
  state.stream = es;
}

function followMine() {
  if (state.mine) state.mine.close();
  state.mine = new KeyedEventSource("/v1/events", state.key, {
    state: (e) => renderState(JSON.parse(e.data)),
  });
}

async function loadList() {
  const page = await api("/v1/conversations?limit=100");
  for (const c of page.conversations) state.convs.set(c.conversation, c);
  renderList();
}

// --- you as a team member: your card, and what waits for your answer -------------------

const PENDING_LABEL = { invite: "invitation", task: "task", turn: "question" };
const ACTION_LABEL = {
  accept: "Accept", decline: "Decline", result: "Send result", failed: "Can't do it", reply: "Reply",
};

function pendingText(item) {
  const b = item.body || {};
  if (item.kind === "invite") {
    const part = b.role && b.role !== b.goal ? `\nYour part: ${b.role}` : "";
    return `Join a team for: ${b.goal}${part}`;
  }
  if (item.kind === "task") {
    const before = (b.inputs?.previous || []).map((p) => `${p.agent}: ${p.result}`).join("\n");
    return `${b.description}${before ? `\n\nDone before:\n${before}` : ""}`;
  }
  return item.text;
}

function pendingItem(item) {
  const li = document.createElement("li");
  li.dataset.id = item.id;
  li.dataset.kind = item.kind;
  const head = document.createElement("div");
  head.className = "head";
  head.innerHTML = `<span class="kind"></span><span class="from"></span><span class="due"></span>`;
  head.querySelector(".kind").textContent = PENDING_LABEL[item.kind] || item.kind;
  head.querySelector(".from").textContent = `from ${item.sender}`;
  if (item.deadline) head.querySelector(".due").textContent = `by ${new Date(item.deadline).toLocaleTimeString()}`;
  const text = document.createElement("div");
  text.className = "text";
  text.textContent = pendingText(item);
  li.append(head, text);
  const said = item.kind === "invite" ? null : document.createElement("textarea");
  if (said) {
    said.rows = 2;
    said.placeholder = item.kind === "task" ? "Your result, or why you cannot do it" : "Your reply";
    li.append(said);
  }
  const actions = document.createElement("div");
  actions.className = "actions";
  for (const action of item.answers) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = action;
    button.textContent = ACTION_LABEL[action] || action;
    button.addEventListener("click", () => answerPending(item, action, said?.value.trim() || ""));
    actions.append(button);
  }
  li.append(actions);
  return li;
}

// Items already shown stay as they are, so a poll never wipes an answer being typed.
function renderPending(items) {
  const ul = $("#pending");
  const ids = new Set(items.map((i) => i.id));
  for (const li of [...ul.children]) if (!ids.has(li.dataset.id)) li.remove();
  const shown = new Set([...ul.children].map((li) => li.dataset.id));
  for (const item of items) if (!shown.has(item.id)) ul.append(pendingItem(item));
}

async function loadPending() {
  renderPending((await api("/v1/me/pending", { quiet: true })).items);
}

async function answerPending(item, action, text) {
  await api(`/v1/me/pending/${item.id}`, { method: "POST", body: JSON.stringify({ action, text }) });
  [...$("#pending").children].find((li) => li.dataset.id === item.id)?.remove();
  toast(`${ACTION_LABEL[action]}: sent`);
}

function showCard(info) {
  const el = $("#card-state");
  if (!info) {
    el.textContent = "not a member";
    el.className = "muted";
    return;
  }
  state.me = info.card.id;
  el.textContent = `${info.card.id}: ${info.online ? "online" : "offline"}`;
  el.className = info.online ? "online" : "muted";
  if (!$("#card-description").value) $("#card-description").value = info.card.description;
  if (!$("#card-skills").value) $("#card-skills").value = info.card.skills.map((s) => s.name).join(", ");
  $("#card-save").textContent = "Update my card";
}

async function loadCard() {
  try {
    showCard(await api("/v1/me/card", { quiet: true }));
  } catch {
    showCard(null);
  }
}

function slug(name) {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 64) || "skill";
}

$("#card-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const names = $("#card-skills").value.split(",").map((s) => s.trim()).filter(Boolean);
  const skills = names.map((name) => ({ id: slug(name), name, tags: name.toLowerCase().split(/\s+/) }));
  const card = { description: $("#card-description").value.trim(), skills };
  showCard(await api("/v1/me/card", { method: "PUT", body: JSON.stringify(card) }));
  loadPending().catch(() => {});
});

async function useKey(key) {
  state.key = key.trim();
  localStorage.setItem("ioa.key", state.key);
  await loadList();
  followMine();
  $("#whoami").textContent = "signed in";
  loadCard();
  clearInterval(state.pendingTimer);
  state.pendingTimer = setInterval(() => loadPending().catch(() => {}), 2000);
  loadPending().catch(() => {});
}

$("#key-form").addEventListener("submit", (e) => {
  e.preventDefault();
  useKey($("#key").value).catch(() => {});
});

$("#start-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const body = {
    goal: $("#goal").value.trim(),
    policy: $("#policy").value,
    max_team: Number($("#max-team").value) || 4,
  };
  const created = await api("/v1/conversations", { method: "POST", body: JSON.stringify(body) });
  state.convs.set(created.conversation, created);
  $("#goal").value = "";
  open(created.conversation);
});

$("#post-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const text = $("#post-text").value.trim();
  if (!text || !state.current) return;
  await api(`/v1/conversations/${state.current}/messages`, { method: "POST", body: JSON.stringify({ text }) });
  $("#post-text").value = "";
});

const fromFragment = new URLSearchParams(location.hash.slice(1)).get("key");
if (fromFragment) history.replaceState(null, "", location.pathname);
const saved = fromFragment || localStorage.getItem("ioa.key");
if (saved) {
  $("#key").value = saved;
  useKey(saved).catch(() => {});
}
