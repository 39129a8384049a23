'use strict';
// The list is drawn only from the server's events: an item added here appears once the
// server has announced it over Server-Sent Events, as it does in every other open page.
const todos = new Map();
const list = document.getElementById('todos');
const live = document.getElementById('live');

function render() {
  list.replaceChildren(...[...todos.values()].sort((a, b) => a.id - b.id).map(item));
}

function item(todo) {
  const li = document.createElement('li');
  li.dataset.id = todo.id;
  li.dataset.title = todo.title;
  li.className = todo.done ? 'done' : '';
  const done = document.createElement('input');
  done.type = 'checkbox';
  done.checked = todo.done;
  done.addEventListener('change', () => send('PATCH', '/api/todos/' + todo.id, { done: done.checked }));
  const text = document.createElement('span');
  text.className = 'text';
  text.textContent = todo.title;
  const files = document.createElement('span');
  files.className = 'files';
  files.textContent = (todo.attachments || []).map(a => a.name).join(', ');
  const attach = document.createElement('input');
  attach.type = 'file';
  attach.title = 'attach a file';
  attach.addEventListener('change', () => {
    const form = new FormData();
    for (const file of attach.files) form.append('file', file);
    fetch('/api/todos/' + todo.id + '/attachments', { method: 'POST', body: form }).then(check);
  });
  const remove = document.createElement('button');
  remove.textContent = '✕';
  remove.title = 'delete';
  remove.addEventListener('click', () => send('DELETE', '/api/todos/' + todo.id));
  li.append(done, text, files, attach, remove);
  return li;
}

function check(response) {
  if (!response.ok) {
    return response.json().then(error => { live.textContent = error.message || response.statusText; });
  }
}

function send(method, path, body) {
  const init = { method, headers: { 'Accept': 'application/json' } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  return fetch(path, init).then(check);
}

document.getElementById('add').addEventListener('submit', event => {
  event.preventDefault();
  const title = event.target.title.value.trim();
  if (title) {
    send('POST', '/api/todos', { title });
    event.target.reset();
  }
});

const events = new EventSource('/api/events');
events.addEventListener('open', () => { live.textContent = 'live'; document.body.dataset.live = 'yes'; });
events.addEventListener('error', () => { live.textContent = 'reconnecting…'; document.body.dataset.live = 'no'; });
events.addEventListener('snapshot', event => {
  todos.clear();
  for (const todo of JSON.parse(event.data)) todos.set(todo.id, todo);
  render();
});
events.addEventListener('todo', event => {
  const todo = JSON.parse(event.data);
  todos.set(todo.id, todo);
  render();
});
events.addEventListener('deleted', event => {
  todos.delete(JSON.parse(event.data).id);
  render();
});
