/*
 * token-broker's view for Spring Boot Admin (3.x/4.x): a "Tokens" page for every instance that exposes the broker's
 * `tokens` actuator endpoint. What the broker's caches hold: credential, kind, source, when it expires and refreshes,
 * the last refresh's outcome and error, mints and hits; a refresh (POST /actuator/tokens/{credential}) and an evict
 * (DELETE) button per credential. The endpoint never returns a credential itself, and neither does this view.
 *
 * Plain JavaScript, no build step: SBA loads every script under META-INF/spring-boot-admin-server-ui/extensions/ on
 * its class path as a classic <script> after its own bundle has set the globals `Vue` and `SBA`; SBA's components
 * (sba-panel, sba-button, sba-confirm-button, sba-status-badge) are registered globally, and each instance view gets
 * the instance, whose `axios` reaches the instance's actuator through SBA (with SBA's credentials for it).
 */
/* global SBA, Vue */
(function () {
  'use strict';

  const { h, ref, computed, onMounted, onBeforeUnmount, resolveComponent, defineComponent } = Vue;

  const RELOAD_MILLIS = 5000;

  // 3725 -> "1h 2m 5s"; what a person reads at a glance.
  function duration(seconds) {
    if (seconds === null || seconds === undefined || Number.isNaN(seconds)) {
      return '–';
    }
    const s = Math.max(0, Math.round(seconds));
    const parts = [];
    if (s >= 86400) parts.push(Math.floor(s / 86400) + 'd');
    if (s >= 3600) parts.push(Math.floor((s % 86400) / 3600) + 'h');
    if (s >= 60) parts.push(Math.floor((s % 3600) / 60) + 'm');
    parts.push((s % 60) + 's');
    return parts.slice(0, 2).join(' ');
  }

  // Times relative to the broker's own clock (the endpoint's `time`), not the browser's.
  function secondsBetween(from, to) {
    return (Date.parse(to) - Date.parse(from)) / 1000;
  }

  function refreshIn(entry, time) {
    if (!entry.refreshAt) {
      return '–';
    }
    const seconds = secondsBetween(time, entry.refreshAt);
    return seconds <= 0 ? 'due' : 'in ' + duration(seconds);
  }

  function errorText(error) {
    const data = error && error.response && error.response.data;
    if (data && typeof data === 'object' && data.error) {
      return data.error;
    }
    return (error && error.message) || String(error);
  }

  const TokensView = defineComponent({
    name: 'TokenBrokerTokens',
    props: {
      instance: { type: Object, required: true },
      application: { type: Object, default: null },
    },
    setup(props) {
      const time = ref(null);
      const entries = ref([]);
      const loaded = ref(false);
      const loadError = ref(null);
      const actions = ref({}); // credential -> { state: 'running' | 'done' | 'failed', text }
      let timer = null;

      async function load() {
        try {
          const response = await props.instance.axios.get('actuator/tokens');
          time.value = response.data.time;
          entries.value = response.data.tokens || [];
          loadError.value = null;
        } catch (error) {
          loadError.value = errorText(error);
        } finally {
          loaded.value = true;
        }
      }

      async function act(credential, method, verb) {
        actions.value = { ...actions.value, [credential]: { state: 'running', text: verb + '…' } };
        try {
          const url = 'actuator/tokens/' + encodeURIComponent(credential);
          const response = method === 'post' ? await props.instance.axios.post(url) : await props.instance.axios.delete(url);
          const count = method === 'post' ? response.data.refreshed : response.data.evicted;
          const text = method === 'post' ? 'refreshed ' + count : 'evicted ' + count;
          actions.value = { ...actions.value, [credential]: { state: 'done', text } };
        } catch (error) {
          actions.value = { ...actions.value, [credential]: { state: 'failed', text: verb + ' failed: ' + errorText(error) } };
        }
        await load();
      }

      onMounted(() => {
        load();
        timer = setInterval(load, RELOAD_MILLIS);
      });
      onBeforeUnmount(() => clearInterval(timer));

      const credentials = computed(() => new Set(entries.value.map((entry) => entry.credential)).size);

      return () => {
        const panel = resolveComponent('sba-panel');
        const button = resolveComponent('sba-button');
        const confirmButton = resolveComponent('sba-confirm-button');

        const header = h('tr', [
          'Credential', 'Kind', 'Source', 'Expires in', 'Refresh', 'Last refresh', 'Mints', 'Hits', '',
        ].map((title) => h('th', { class: 'tb-tokens__head' }, title)));

        const rows = entries.value.map((entry) => {
          const action = actions.value[entry.credential];
          const outcome = entry.lastRefreshOutcome || 'none';
          return h('tr', { class: 'tb-tokens__row', 'data-credential': entry.credential }, [
            h('td', [
              h('span', { class: 'tb-tokens__credential' }, entry.credential),
              entry.roles && entry.roles.length
                ? h('div', { class: 'tb-tokens__muted' }, entry.roles.join(', '))
                : null,
              h('div', { class: 'tb-tokens__muted', title: 'the vault version of the master key it was minted with' },
                'key version ' + entry.secretVersion),
            ]),
            h('td', entry.kind),
            h('td', [h('span', { class: 'tb-tokens__tag tb-tokens__tag--' + entry.source }, entry.source)]),
            h('td', { title: entry.expiresAt }, duration(entry.expiresInSeconds)),
            h('td', { title: entry.refreshAt }, refreshIn(entry, time.value)),
            h('td', [
              h('span', { class: 'tb-tokens__tag tb-tokens__tag--' + outcome }, outcome),
              entry.lastError
                ? h('div', { class: 'tb-tokens__error' }, entry.lastError)
                : null,
            ]),
            h('td', { class: 'tb-tokens__number' }, String(entry.mints)),
            h('td', { class: 'tb-tokens__number' }, String(entry.hits)),
            h('td', { class: 'tb-tokens__actions' }, [
              h(button, {
                size: 'xs',
                title: 'Mint a new ' + entry.kind + ' for every cached entry of ' + entry.credential,
                disabled: action && action.state === 'running',
                onClick: () => act(entry.credential, 'post', 'refresh'),
              }, () => 'Refresh'),
              h(confirmButton, {
                class: 'px-2 py-2 text-xs',
                title: 'Drop every cached entry of ' + entry.credential + ' (the next request mints anew)',
                onClick: () => act(entry.credential, 'delete', 'evict'),
              }, { default: () => 'Evict', confirm: () => 'Evict?' }),
              action
                ? h('div', { class: 'tb-tokens__action tb-tokens__action--' + action.state }, action.text)
                : null,
            ]),
          ]);
        });

        if (loaded.value && entries.value.length === 0 && !loadError.value) {
          rows.push(h('tr', [h('td', { colspan: 9, class: 'tb-tokens__muted' },
            'Nothing cached: an entry appears with the first request for a credential.')]));
        }

        const subtitle = loaded.value
          ? entries.value.length + ' entries, ' + credentials.value + ' credentials, broker time ' + (time.value || '–')
          : 'loading…';

        return h('div', { class: 'tb-tokens m-4' }, [
          loadError.value
            ? h('div', { class: 'tb-tokens__load-error' }, 'Reading actuator/tokens failed: ' + loadError.value)
            : null,
          h(panel, { title: 'Cached credentials', subtitle }, () => [
            h('table', { class: 'table-auto w-full tb-tokens__table' }, [h('thead', [header]), h('tbody', rows)]),
          ]),
        ]);
      };
    },
  });

  SBA.use({
    install({ viewRegistry, i18n }) {
      i18n.mergeLocaleMessage('en', { instances: { tokenbroker: { tokens: { label: 'Tokens' } } } });
      i18n.mergeLocaleMessage('de', { instances: { tokenbroker: { tokens: { label: 'Tokens' } } } });
      viewRegistry.addView({
        name: 'instances/tokens',
        parent: 'instances',
        path: 'tokens',
        component: TokensView,
        label: 'instances.tokenbroker.tokens.label',
        group: 'insights',
        order: 650,
        isEnabled: ({ instance }) => instance.hasEndpoint('tokens'),
      });
    },
  });
})();
